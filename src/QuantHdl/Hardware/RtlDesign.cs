using System.Text.Json;
using System.Text.Json.Nodes;
using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;
using QuantHdl.Artifacts;

namespace QuantHdl.Hardware;

/// <summary>
/// What <see cref="RtlEmitter.Emit"/> wrote. Paths are relative to <see cref="OutDir"/>.
/// <see cref="Taps"/> lists every node's output stream in graph order; tap 0 is the input stream and the
/// last tap is the output stream.
/// </summary>
public sealed record RtlDesign(
    string OutDir,
    string Graph,
    string TopModule,
    IReadOnlyList<string> RtlFiles,
    IReadOnlyList<string> HarnessFiles,
    IReadOnlyList<RtlStream> Taps)
{
    /// <summary>The network input stream (s_axis).</summary>
    public RtlStream Input => Taps[0];

    /// <summary>The network output stream (m_axis).</summary>
    public RtlStream Output => Taps[^1];

    /// <summary>
    /// Reads the design.json that <see cref="RtlEmitter"/> wrote into <paramref name="dir"/>. A file that is
    /// not valid JSON, or lacks a field, throws <see cref="MalformedFileException"/> naming the file (and the
    /// line, for a JSON syntax error).
    /// </summary>
    public static RtlDesign Load(string dir)
    {
        var path = Path.Combine(dir, "design.json");
        JsonObject o;
        try
        {
            o = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new MalformedFileException(path, null, "not a JSON object; run 'quanthdl compile' again");
        }
        catch (JsonException e)
        {
            throw new MalformedFileException(path, (int)(e.LineNumber ?? 0) + 1, $"not valid JSON ({FirstSentence(e.Message)}); run 'quanthdl compile' again");
        }
        try
        {
            if ((string?)o["format"] != "quanthdl-rtl" || (int?)o["version"] != 1)
                throw new MalformedFileException(path, null, "not a quanthdl-rtl version 1 file; run 'quanthdl compile' again");
            var taps = Field(o, "taps").AsArray().Select(Tap).ToList();
            if (taps.Count < 2) throw new MalformedFileException(path, null, $"{taps.Count} taps; a design has at least an input and an output stream");
            return new RtlDesign(Path.GetFullPath(dir), Text(o, "graph"), Text(o, "top"),
                Strings(Field(o, "rtl_files")), Strings(Field(o, "harness_files")), taps);
        }
        catch (Exception e) when (e is BadField or IrException or ArithmeticLimitException or InvalidOperationException or FormatException or ArgumentException or OverflowException)
        {
            throw new MalformedFileException(path, null, $"{e.Message}; run 'quanthdl compile' again");
        }
    }

    private static RtlStream Tap(JsonNode? t)
    {
        var tap = new RtlStream(Text(t, "node"), ParseType(Text(t, "type")), (int)Field(t, "size"), (int)Field(t, "lanes"));
        if (tap.Size < 1 || tap.Lanes < 1 || tap.Size % tap.Lanes != 0)
            throw new BadField($"tap {tap.Node}: size {tap.Size} and lanes {tap.Lanes} must be positive, lanes dividing size");
        return tap;
    }

    private static JsonNode Field(JsonNode? o, string key) =>
        (o as JsonObject)?[key] ?? throw new BadField($"field '{key}' is missing");

    private static string Text(JsonNode? o, string key) => (string?)Field(o, key) ?? throw new BadField($"field '{key}' is null");

    private static IReadOnlyList<string> Strings(JsonNode n) =>
        n.AsArray().Select(x => (string?)x ?? throw new BadField("a file name is null")).ToList();

    private static string FirstSentence(string message) => message.Split(" Path:")[0].Split(" LineNumber:")[0].TrimEnd('.');

    private static IntType ParseType(string s) =>
        s.Length >= 2 && (s[0] == 'u' || s[0] == 's') && int.TryParse(s[1..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int w)
            ? new IntType(w, s[0] == 's')
            : throw new FormatException($"type '{s}' is not u<width> or s<width>");

    private sealed class BadField(string message) : Exception(message);
}
