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
        ["add_tree.v", "axis_dwc.v", "axis_fifo.v", "axis_stall.v", "mac_array.v", "mvu.v", "neg_count.v", "post_lane.v", "post_term.v", "pot_term.v", "requant.v", "uniform_term.v"];

    /// <summary>The hdl/ blocks of convolutional layers: the sliding-window unit, the frame marker and the pooling units.</summary>
    public static readonly string[] ConvBlocks = ["axis_frame.v", "maxpool.v", "pool_sum.v", "pool_window.v", "swu.v"];

    /// <summary>The hdl/ blocks of residual networks: the add, the fork and the skip FIFO.</summary>
    public static readonly string[] ResidualBlocks = ["axis_fork.v", "residual_add.v", "skip_fifo.v"];

    /// <summary>The hand-written files of sim/ that the harness is built from.</summary>
    public static readonly string[] HarnessSources = ["harness.cpp", "qh_stream.h"];

    /// <summary>Name of the generated harness glue header.</summary>
    public const string GlueHeader = "qh_glue.h";

    private readonly RtlAssets _assets;
    private readonly StrictTemplate _layer;
    private readonly StrictTemplate _maxPool;
    private readonly StrictTemplate _avgPool;
    private readonly StrictTemplate _add;
    private readonly StrictTemplate _fork;
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
        _add = StrictTemplate.Load(assets.TemplatesDir, "add.v.hbs");
        _fork = StrictTemplate.Load(assets.TemplatesDir, "fork.v.hbs");
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
        bool residual = graph.Nodes.Any(n => UsesResidualBlocks(n.Op.Kind));
        var blocks = MvuBlocks.Concat(spatial ? ConvBlocks : []).Concat(residual ? ResidualBlocks : []).Order(StringComparer.Ordinal);
        foreach (var block in blocks)
            files.Add(($"rtl/{block}", Normalize(File.ReadAllText(Path.Combine(_assets.HdlDir, block)))));
        foreach (var n in graph.Nodes.Skip(1))
            if (Module(graph, n, n.Inputs.Select(graph.Node).ToArray(), prefix) is string text)
                files.Add(($"rtl/{prefix}_{n.Name}.v", text));
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
    /// <paramref name="src"/> (its inputs, in order). Each op kind's emitter is
    /// <c>Hardware/Emitters/&lt;Kind&gt;Emitter.cs</c>, which builds the model of its template: Dense and Conv,
    /// templates/layer.v.hbs (a conv adds the sliding-window unit); MaxPool, templates/maxpool.v.hbs; AvgPool,
    /// templates/avgpool.v.hbs; Add, templates/add.v.hbs; Fork, templates/fork.v.hbs. The input has no module
    /// of its own (null): it is the top level's input port (<see cref="TopModel"/>, templates/top.v.hbs).
    /// </summary>
    internal string? Module(IrGraph g, IrNode n, IrNode[] src, string prefix) => n.Op.Kind switch
    {
        OpKind.Input => null,
        OpKind.Dense => _layer.Render(DenseEmitter.Model(g, n, src[0], prefix)),
        OpKind.Conv => _layer.Render(ConvEmitter.Model(g, n, src[0], prefix)),
        OpKind.MaxPool => _maxPool.Render(MaxPoolEmitter.Model(g, n, src[0], prefix)),
        OpKind.AvgPool => _avgPool.Render(AvgPoolEmitter.Model(g, n, src[0], prefix)),
        OpKind.Add => _add.Render(AddEmitter.Model(g, n, src[0], src[1], prefix)),
        OpKind.Fork => _fork.Render(ForkEmitter.Model(g, n, src[0], prefix)),
    };

    /// <summary>Whether an op kind's module is built from <see cref="ConvBlocks"/>, so the design copies them.</summary>
    private static bool UsesConvBlocks(OpKind kind) => kind switch
    {
        OpKind.Conv or OpKind.MaxPool or OpKind.AvgPool => true,
        OpKind.Input or OpKind.Dense or OpKind.Add or OpKind.Fork => false,
    };

    /// <summary>Whether an op kind's module is built from <see cref="ResidualBlocks"/>.</summary>
    private static bool UsesResidualBlocks(OpKind kind) => kind switch
    {
        OpKind.Add or OpKind.Fork => true,
        OpKind.Input or OpKind.Dense or OpKind.Conv or OpKind.MaxPool or OpKind.AvgPool => false,
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
        OpKind.Input or OpKind.MaxPool or OpKind.AvgPool or OpKind.Add or OpKind.Fork => null,
    };

    /// <summary>The hardware decisions of every layer built on an MVU, in graph order, from the same source as its wrapper.</summary>
    private static List<RtlLayer> MvuLayers(IrGraph g)
    {
        var layers = new List<RtlLayer>();
        foreach (var n in g.Nodes.Skip(1))
        {
            var src = g.Node(n.Inputs[0]);
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

    /// <summary>
    /// The stream that carries node <paramref name="src"/>'s output to <paramref name="reader"/>: the node's own
    /// stream, or for a fork the stream of the reader's branch.
    /// </summary>
    private static string StreamTo(IrNode src, IrNode reader) =>
        src.Op.Kind == OpKind.Fork ? BranchStream(src, Array.FindIndex(((ForkOp)src.Op).Branches, b => b.Consumer == reader.Name)) : src.Name;

    private static string BranchStream(IrNode fork, int branch) => $"{fork.Name}_b{I(branch)}";

    /// <summary>The streams a node drives: one, or one per branch for a fork.</summary>
    private static IEnumerable<string> StreamsOf(IrNode n) =>
        n.Op.Kind == OpKind.Fork ? ((ForkOp)n.Op).Branches.Select((_, i) => BranchStream(n, i)) : [n.Name];

    /// <summary>The stream a node's tap shows: its own, or for a fork (whose branches all carry its input) its input's.</summary>
    private static string TapStream(IrGraph g, IrNode n) => n.Op.Kind == OpKind.Fork ? g.Node(n.Inputs[0]).Name : n.Name;

    /// <summary>The name of a layer's input edge <paramref name="k"/>: the layer's for the first, layer_in{k} after.</summary>
    private static string EdgeName(IrNode n, int k) => k == 0 ? n.Name : $"{n.Name}_in{I(k)}";

    /// <summary>Every layer input edge in graph order, then input order: (edge, layer, source node).</summary>
    private static List<(string Edge, IrNode Layer, IrNode Source)> Edges(IrGraph g) =>
        g.Nodes.Skip(1).SelectMany(n => n.Inputs.Select((i, k) => (EdgeName(n, k), n, g.Node(i)))).ToList();

    /// <summary>The port connections of a layer's module: s_axis (then s1_axis, ...) in, m_axis (then m1_axis, ...) out.</summary>
    private static List<TemplateModel> Ports(IrGraph g, IrNode n)
    {
        var lines = new List<string>();
        for (int k = 0; k < n.Inputs.Length; k++)
            foreach (var sig in new[] { "tvalid", "tready", "tdata", "tlast" })
                lines.Add($".{(k == 0 ? "s" : $"s{I(k)}")}_axis_{sig}(in_{EdgeName(n, k)}_{sig})");
        var outs = StreamsOf(n).ToList();
        for (int k = 0; k < outs.Count; k++)
            foreach (var sig in new[] { "tvalid", "tready", "tdata", "tlast" })
                lines.Add($".{(k == 0 ? "m" : $"m{I(k)}")}_axis_{sig}(st_{outs[k]}_{sig})");
        return lines.Select((l, i) => new TemplateModel { ["line"] = i + 1 < lines.Count ? l + "," : l }).ToList();
    }

    private static TemplateModel TopModel(IrGraph g, string prefix, string top)
    {
        var input = g.Nodes[0];
        var output = g.OutputNode;
        var edges = Edges(g);
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
            ["taps"] = g.Nodes.Select(n => new TemplateModel
            {
                ["name"] = n.Name,
                ["stream"] = TapStream(g, n),
                ["data_msb"] = I(n.OutLanes * n.OutType.Width - 1),
            }).ToList(),
            ["stall_edges"] = edges.Select(e => new TemplateModel { ["edge"] = e.Edge }).ToList(),
            ["streams"] = g.Nodes.SelectMany(n => StreamsOf(n).Select(st => new TemplateModel
            {
                ["name"] = st,
                ["size"] = I(n.OutSize),
                ["type"] = n.OutType.ToString(),
                ["lanes"] = I(n.OutLanes),
                ["data_msb"] = I(n.OutLanes * n.OutType.Width - 1),
            })).ToList(),
            ["layers"] = g.Nodes.Skip(1).Select(n => new TemplateModel
            {
                ["name"] = n.Name,
                ["module"] = $"{prefix}_{n.Name}",
                ["edges"] = edges.Where(e => e.Layer == n).Select(e => new TemplateModel
                {
                    ["edge"] = e.Edge,
                    ["layer"] = n.Name,
                    ["source_node"] = e.Source.Name,
                    ["source"] = StreamTo(e.Source, n),
                    ["source_data_msb"] = I(e.Source.OutLanes * e.Source.OutType.Width - 1),
                    ["source_data_bits"] = I(e.Source.OutLanes * e.Source.OutType.Width),
                }).ToList(),
                ["ports"] = Ports(g, n),
            }).ToList(),
        };
    }

    private static TemplateModel GlueModel(IrGraph g, string prefix, string top)
    {
        var input = g.Nodes[0];
        var tapOf = g.Nodes.Select((n, i) => (n.Name, i)).ToDictionary(t => t.Name, t => t.i);
        var edges = Edges(g);
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
            ["edge_count"] = I(edges.Count),
            ["edges"] = edges.Select((e, k) => new TemplateModel
            {
                ["edge"] = I(k),
                ["name"] = e.Edge,
                ["source_tap"] = I(tapOf[e.Source.Name]),
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
