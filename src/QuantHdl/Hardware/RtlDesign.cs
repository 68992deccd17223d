using System.Text.Json;
using System.Text.Json.Nodes;
using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;
using QuantHdl.Artifacts;

namespace QuantHdl.Hardware;

/// <summary>
/// What <see cref="RtlEmitter.Emit"/> wrote. Paths are relative to <see cref="OutDir"/>.
/// <see cref="Taps"/> lists every node's output stream in graph order; tap 0 is the input stream and the
/// last tap is the output stream. <see cref="Layers"/> lists the hardware decisions of every layer built on a
/// matrix-vector unit, in graph order (empty for a design.json written before they were recorded).
/// </summary>
public sealed record RtlDesign(
    string OutDir,
    string Graph,
    string TopModule,
    IReadOnlyList<string> RtlFiles,
    IReadOnlyList<string> HarnessFiles,
    IReadOnlyList<RtlStream> Taps,
    IReadOnlyList<RtlLayer> Layers)
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
            // Older files have no layers; the RTL does not need them, they document it.
            var layers = o["layers"] is JsonNode l ? l.AsArray().Select(Layer).ToList() : [];
            return new RtlDesign(Path.GetFullPath(dir), Text(o, "graph"), Text(o, "top"),
                Strings(Field(o, "rtl_files")), Strings(Field(o, "harness_files")), taps, layers);
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

    /// <summary>One entry of design.json's "layers": the node and its <see cref="MvuHardware"/> under "mvu".</summary>
    internal static JsonObject LayerJson(RtlLayer layer)
    {
        var h = layer.Mvu;
        return new JsonObject
        {
            ["node"] = layer.Node,
            ["mvu"] = new JsonObject
            {
                ["sf"] = h.Sf,
                ["nf"] = h.Nf,
                ["sf_w"] = h.SfBits,
                ["nf_w"] = h.NfBits,
                ["pe_w"] = h.PeBits,
                ["w_addr_bits"] = h.WeightAddrBits,
                ["p_addr_bits"] = h.ParamAddrBits,
                ["pw"] = h.ChannelBits,
                ["leaves"] = h.Leaves,
                ["post_lw"] = h.PostLaneBits,
                ["mag_bits"] = h.MagBits,
                ["neg_w"] = h.NegCountBits,
                ["leaf_w"] = h.LeafBits,
                ["rq_shared"] = h.RqShared,
                ["pipe_lat"] = h.PipeLatency,
                ["of_depth"] = h.OutFifoDepth,
                ["cr_w"] = h.CreditBits,
                ["dwc"] = h.Dwc,
                ["in_lanes"] = h.InLanes,
                ["simd"] = h.Simd,
            },
        };
    }

    private static RtlLayer Layer(JsonNode? l)
    {
        string node = Text(l, "node");
        var m = Field(l, "mvu") as JsonObject ?? throw new BadField($"layer {node}: field 'mvu' is not an object");
        // A JSON null stands for a value the layer's weight code has none of; a missing key is an error.
        JsonNode? Value(string key) => m.TryGetPropertyValue(key, out var v) ? v : throw new BadField($"layer {node}: field 'mvu.{key}' is missing");
        int? Optional(string key)
        {
            if (Value(key) is not JsonNode v) return null;
            int n = (int)v;
            return n >= 1 ? n : throw new BadField($"layer {node}: field 'mvu.{key}' is {n}, must be at least 1");
        }
        int Count(string key) => Optional(key) ?? throw new BadField($"layer {node}: field 'mvu.{key}' is null");
        bool Flag(string key) => (bool?)Value(key) ?? throw new BadField($"layer {node}: field 'mvu.{key}' is null");
        return new RtlLayer(node, new MvuHardware(
            Count("sf"), Count("nf"), Count("sf_w"), Count("nf_w"), Count("pe_w"), Count("w_addr_bits"), Count("p_addr_bits"),
            Count("pw"), Count("leaves"), Optional("post_lw"), Optional("mag_bits"), Optional("neg_w"), Count("leaf_w"),
            Flag("rq_shared"), Count("pipe_lat"), Count("of_depth"), Count("cr_w"), Flag("dwc"), Count("in_lanes"), Count("simd")));
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
