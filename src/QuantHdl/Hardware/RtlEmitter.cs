using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;
using QuantHdl.Artifacts;
using QuantHdl.Hardware.Emitters;
using static QuantHdl.Hardware.Emitters.EmitText;

namespace QuantHdl.Hardware;

/// <summary>
/// Writes the Verilog of a graph: the hand-written blocks of hdl/ (copied), one wrapper per dense layer
/// holding its weight and parameter ROMs and, where the input beats are not SIMD elements wide, a
/// data-width converter (templates/layer.v.hbs), the streaming top level
/// (templates/top.v.hbs), and the Verilator harness (sim/ plus the generated templates/harness_glue.h.hbs).
/// Every number in the output is computed here; the same IR always gives the same bytes.
/// </summary>
/// <remarks>
/// Layout of <c>outDir</c>: <c>rtl/*.v</c>, <c>rtl/files.f</c> (compile list), <c>sim/harness.cpp</c>,
/// <c>sim/qh_stream.h</c>, <c>sim/qh_glue.h</c> and <c>design.json</c>. The <c>rtl/</c> and <c>sim/</c>
/// folders are replaced; nothing else in <c>outDir</c> is touched.
/// </remarks>
public sealed class RtlEmitter
{
    /// <summary>
    /// The hdl/ blocks a matrix-vector unit is built from, in file-name order, plus axis_stall.v, which
    /// only the verification build (QH_STALLS) instantiates.
    /// </summary>
    public static readonly string[] MvuBlocks =
        ["add_tree.v", "axis_dwc.v", "axis_fifo.v", "axis_stall.v", "mvu.v", "neg_count.v", "post_lane.v", "post_term.v", "pot_term.v", "requant.v", "uniform_term.v"];

    /// <summary>The hdl/ blocks of convolutional layers: the sliding-window unit, the frame marker and the pooling units.</summary>
    public static readonly string[] ConvBlocks = ["axis_frame.v", "maxpool.v", "pool_sum.v", "pool_window.v", "swu.v"];

    /// <summary>The hand-written files of sim/ that the harness is built from.</summary>
    public static readonly string[] HarnessSources = ["harness.cpp", "qh_stream.h"];

    /// <summary>Name of the generated harness glue header.</summary>
    public const string GlueHeader = "qh_glue.h";

    private readonly RtlAssets _assets;
    private readonly StrictTemplate _layer;
    private readonly StrictTemplate _maxPool;
    private readonly StrictTemplate _avgPool;
    private readonly StrictTemplate _top;
    private readonly StrictTemplate _glue;

    /// <summary>An emitter using the templates and blocks found by <see cref="RtlAssets.Locate"/>.</summary>
    public RtlEmitter() : this(RtlAssets.Locate())
    {
    }

    /// <summary>An emitter using the given asset folders.</summary>
    public RtlEmitter(RtlAssets assets)
    {
        _assets = assets;
        _layer = StrictTemplate.Load(assets.TemplatesDir, "layer.v.hbs");
        _maxPool = StrictTemplate.Load(assets.TemplatesDir, "maxpool.v.hbs");
        _avgPool = StrictTemplate.Load(assets.TemplatesDir, "avgpool.v.hbs");
        _top = StrictTemplate.Load(assets.TemplatesDir, "top.v.hbs");
        _glue = StrictTemplate.Load(assets.TemplatesDir, "harness_glue.h.hbs");
    }

    /// <summary>Checks, then writes the design of <paramref name="graph"/> into <paramref name="outDir"/> with a fresh emitter.</summary>
    public static RtlDesign Emit(IrGraph graph, string outDir) => new RtlEmitter().Write(graph, outDir);

    /// <summary>
    /// Checks the graph (<see cref="RtlValidator"/>; throws <see cref="IrException"/> naming the node) and
    /// writes its design into <paramref name="outDir"/>.
    /// </summary>
    public RtlDesign Write(IrGraph graph, string outDir)
    {
        var files = Render(graph, out var design);
        var rtlDir = Path.Combine(outDir, "rtl");
        var simDir = Path.Combine(outDir, "sim");
        foreach (var d in new[] { rtlDir, simDir })
            if (Directory.Exists(d)) Directory.Delete(d, true);
        foreach (var (rel, text) in files)
            AtomicFile.WriteAllBytes(Path.Combine(outDir, rel), Encoding.UTF8.GetBytes(text));
        return design with { OutDir = Path.GetFullPath(outDir) };
    }

    /// <summary>Every file of the design, relative path to content, in a fixed order; nothing is written.</summary>
    public IReadOnlyList<(string Path, string Text)> Render(IrGraph graph, out RtlDesign design)
    {
        RtlValidator.Check(graph);
        string prefix = ModulePrefix(graph.Name);
        string top = prefix + "_top";
        var files = new List<(string, string)>();
        bool spatial = graph.Nodes.Any(n => UsesConvBlocks(n.Op.Kind));
        foreach (var block in spatial ? MvuBlocks.Concat(ConvBlocks).Order(StringComparer.Ordinal) : MvuBlocks.AsEnumerable())
            files.Add(($"rtl/{block}", Normalize(File.ReadAllText(Path.Combine(_assets.HdlDir, block)))));
        for (int i = 1; i < graph.Nodes.Length; i++)
        {
            var n = graph.Nodes[i];
            var src = graph.Nodes[i - 1];
            if (Module(graph, n, src, prefix) is string text)
                files.Add(($"rtl/{prefix}_{n.Name}.v", text));
        }
        files.Add(($"rtl/{top}.v", _top.Render(TopModel(graph, prefix, top))));
        var rtlFiles = files.Select(f => f.Item1).ToList();
        files.Add(("rtl/files.f", string.Concat(rtlFiles.Select(f => Path.GetFileName(f) + "\n"))));

        foreach (var src in HarnessSources)
            files.Add(($"sim/{src}", Normalize(File.ReadAllText(Path.Combine(_assets.SimDir, src)))));
        files.Add(($"sim/{GlueHeader}", _glue.Render(GlueModel(graph, prefix, top))));
        var harness = HarnessSources.Select(s => $"sim/{s}").Append($"sim/{GlueHeader}").ToList();

        var taps = graph.Nodes.Select(n => new RtlStream(n.Name, n.OutType, n.OutSize, n.OutLanes)).ToList();
        design = new RtlDesign("", graph.Name, top, rtlFiles, harness, taps, MvuLayers(graph));
        files.Add(("design.json", DesignJson(design)));
        return files;
    }

    /// <summary>
    /// The one dispatch of the emitter: the Verilog module of node <paramref name="n"/>, reading
    /// <paramref name="src"/>. Each op kind's emitter is <c>Hardware/Emitters/&lt;Kind&gt;Emitter.cs</c>, which
    /// builds the model of its template: Dense and Conv, templates/layer.v.hbs (a conv adds the
    /// sliding-window unit); MaxPool, templates/maxpool.v.hbs; AvgPool, templates/avgpool.v.hbs. The input has
    /// no module of its own (null): it is the top level's input port (<see cref="TopModel"/>, templates/top.v.hbs).
    /// </summary>
    internal string? Module(IrGraph g, IrNode n, IrNode src, string prefix) => n.Op.Kind switch
    {
        OpKind.Input => null,
        OpKind.Dense => _layer.Render(DenseEmitter.Model(g, n, src, prefix)),
        OpKind.Conv => _layer.Render(ConvEmitter.Model(g, n, src, prefix)),
        OpKind.MaxPool => _maxPool.Render(MaxPoolEmitter.Model(g, n, src, prefix)),
        OpKind.AvgPool => _avgPool.Render(AvgPoolEmitter.Model(g, n, src, prefix)),
    };

    /// <summary>Whether an op kind's module is built from <see cref="ConvBlocks"/>, so the design copies them.</summary>
    private static bool UsesConvBlocks(OpKind kind) => kind switch
    {
        OpKind.Conv or OpKind.MaxPool or OpKind.AvgPool => true,
        OpKind.Input or OpKind.Dense => false,
    };

    /// <summary>The Verilog identifier prefix of a graph's modules: its name with every other character replaced by '_'.</summary>
    public static string ModulePrefix(string graphName)
    {
        var sb = new StringBuilder();
        foreach (char c in graphName) sb.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        var s = sb.ToString();
        return s.Length == 0 || char.IsAsciiDigit(s[0]) ? "qh_" + s : s;
    }

    /// <summary>The matrix-vector unit an op runs on, if any: a dense layer's own, a conv's over one window.</summary>
    private static DenseOp? MatrixOf(IrOp op) => op.Kind switch
    {
        OpKind.Dense => (DenseOp)op,
        OpKind.Conv => ((ConvOp)op).Mvu,
        OpKind.Input or OpKind.MaxPool or OpKind.AvgPool => null,
    };

    /// <summary>The hardware decisions of every layer built on an MVU, in graph order, from the same source as its wrapper.</summary>
    private static List<RtlLayer> MvuLayers(IrGraph g)
    {
        var layers = new List<RtlLayer>();
        for (int i = 1; i < g.Nodes.Length; i++)
        {
            var n = g.Nodes[i];
            var src = g.Nodes[i - 1];
            if (MatrixOf(n.Op) is DenseOp d) layers.Add(new RtlLayer(n.Name, new MvuLayout(d).Hardware(src.OutType.Width, src.OutLanes)));
        }
        return layers;
    }

    /// <summary>Frames up to this many bits get a whole-frame line buffer in their sliding-window unit (one RAMB36).</summary>
    public const int FrameBufferBits = 36 * 1024;

    /// <summary>
    /// Rows of a conv's line buffer (docs/integer-semantics.md §7): the whole frame when it fits
    /// <see cref="FrameBufferBits"/>, so the layer can take the next frame while it still computes this
    /// one and a slower layer behind it does not stall the layer in front; else min(K + stride, H).
    /// </summary>
    public static int SwuRows(ConvOp c, int elemBits) =>
        (long)c.InH * c.InW * c.InC * elemBits <= FrameBufferBits ? c.InH : Math.Min(c.K + c.Stride, c.InH);

    private static TemplateModel TopModel(IrGraph g, string prefix, string top)
    {
        var input = g.Nodes[0];
        var output = g.Nodes[^1];
        return new TemplateModel
        {
            ["graph"] = Comment(g.Name),
            ["top"] = top,
            ["chain"] = string.Join(" -> ", g.Nodes.Skip(1).Select(n => n.Name)),
            ["input_node"] = input.Name,
            ["input_size"] = I(input.OutSize),
            ["input_type"] = input.OutType.ToString(),
            ["input_lanes"] = I(input.OutLanes),
            ["input_data_msb"] = I(input.OutLanes * input.OutType.Width - 1),
            ["output_node"] = output.Name,
            ["output_size"] = I(output.OutSize),
            ["output_type"] = output.OutType.ToString(),
            ["output_lanes"] = I(output.OutLanes),
            ["output_data_msb"] = I(output.OutLanes * output.OutType.Width - 1),
            ["streams"] = g.Nodes.Select(n => new TemplateModel
            {
                ["name"] = n.Name,
                ["size"] = I(n.OutSize),
                ["type"] = n.OutType.ToString(),
                ["lanes"] = I(n.OutLanes),
                ["data_msb"] = I(n.OutLanes * n.OutType.Width - 1),
            }).ToList(),
            ["layers"] = g.Nodes.Skip(1).Select((n, i) => new TemplateModel
            {
                ["name"] = n.Name,
                ["module"] = $"{prefix}_{n.Name}",
                ["source"] = g.Nodes[i].Name,
                ["source_data_msb"] = I(g.Nodes[i].OutLanes * g.Nodes[i].OutType.Width - 1),
                ["source_data_bits"] = I(g.Nodes[i].OutLanes * g.Nodes[i].OutType.Width),
            }).ToList(),
        };
    }

    private static TemplateModel GlueModel(IrGraph g, string prefix, string top)
    {
        var input = g.Nodes[0];
        return new TemplateModel
        {
            ["graph"] = prefix,
            ["top"] = top,
            ["input_node"] = input.Name,
            ["input_lanes"] = I(input.OutLanes),
            ["input_bits"] = I(input.OutType.Width),
            ["input_signed"] = input.OutType.Signed ? "true" : "false",
            ["input_size"] = I(input.OutSize),
            ["tap_count"] = I(g.Nodes.Length),
            ["edge_count"] = I(g.Nodes.Length - 1),
            ["edges"] = g.Nodes.Skip(1).Select((n, e) => new TemplateModel
            {
                ["edge"] = I(e),
                ["name"] = n.Name,
            }).ToList(),
            ["streams"] = g.Nodes.Select((n, i) => new TemplateModel
            {
                ["tap"] = I(i),
                ["name"] = n.Name,
                ["lanes"] = I(n.OutLanes),
                ["bits"] = I(n.OutType.Width),
                ["signed"] = n.OutType.Signed ? "true" : "false",
                ["size"] = I(n.OutSize),
            }).ToList(),
        };
    }

    private static string DesignJson(RtlDesign d)
    {
        var o = new JsonObject
        {
            ["format"] = "quanthdl-rtl",
            ["version"] = 1,
            ["graph"] = d.Graph,
            ["top"] = d.TopModule,
            ["rtl_files"] = new JsonArray(d.RtlFiles.Select(f => (JsonNode)f).ToArray()),
            ["harness_files"] = new JsonArray(d.HarnessFiles.Select(f => (JsonNode)f).ToArray()),
            ["taps"] = new JsonArray(d.Taps.Select(t => (JsonNode)new JsonObject
            {
                ["node"] = t.Node,
                ["type"] = t.Type.ToString(),
                ["size"] = t.Size,
                ["lanes"] = t.Lanes,
            }).ToArray()),
            ["layers"] = new JsonArray(d.Layers.Select(l => (JsonNode)RtlDesign.LayerJson(l)).ToArray()),
        };
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).Replace("\r\n", "\n") + "\n";
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n");
}
