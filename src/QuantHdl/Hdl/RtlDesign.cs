using System.Text.Json.Nodes;
using QuantHdl.Ir;

namespace QuantHdl.Hdl;

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

    /// <summary>Reads the design.json that <see cref="RtlEmitter"/> wrote into <paramref name="dir"/>.</summary>
    public static RtlDesign Load(string dir)
    {
        var path = Path.Combine(dir, "design.json");
        var o = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new FormatException($"{path} is empty");
        if ((string?)o["format"] != "quanthdl-rtl" || (int?)o["version"] != 1)
            throw new FormatException($"{path} is not a quanthdl-rtl version 1 file");
        static IReadOnlyList<string> Strings(JsonNode? n) => n!.AsArray().Select(x => (string)x!).ToList();
        var taps = o["taps"]!.AsArray().Select(t => new RtlStream(
            (string)t!["node"]!, ParseType((string)t["type"]!), (int)t["size"]!, (int)t["lanes"]!)).ToList();
        return new RtlDesign(Path.GetFullPath(dir), (string)o["graph"]!, (string)o["top"]!,
            Strings(o["rtl_files"]), Strings(o["harness_files"]), taps);
    }

    private static IntType ParseType(string s) => s.Length >= 2 && (s[0] == 'u' || s[0] == 's')
        ? new IntType(int.Parse(s[1..], System.Globalization.CultureInfo.InvariantCulture), s[0] == 's')
        : throw new FormatException($"type '{s}' is not u<width> or s<width>");
}
