using System.Globalization;
using System.Text.Json.Nodes;
using QuantHdl.Compiler.Ir;
using QuantHdl.Compiler.Passes;
using QuantHdl.Hardware.Estimates;
using QuantHdl.Hardware.FoldSearch;

namespace QuantHdl.Reports;

/// <summary>
/// The content of a build's report (docs/report.md): per node the analytic estimate beside the synthesis result,
/// the totals, the initiation interval, latency and throughput at the reported Fmax, accuracy and bit-exactness, and
/// the folding trade-off. <see cref="HtmlReport"/>, <see cref="MarkdownReport"/> and <see cref="JsonReport"/> render it.
/// </summary>
public sealed record DesignReport
{
    /// <summary>Resource counts: LUTs (logic and LUTRAM), flip-flops, DSP blocks, block RAMs (RAMB18 or SB_RAM40_4K).</summary>
    public sealed record Cells(long Lut, long Ff, long Dsp, long Bram)
    {
        /// <summary>The element-wise sum.</summary>
        public static Cells Sum(IEnumerable<Cells> cells) =>
            cells.Aggregate(new Cells(0, 0, 0, 0), (a, b) => new Cells(a.Lut + b.Lut, a.Ff + b.Ff, a.Dsp + b.Dsp, a.Bram + b.Bram));
    }

    /// <summary>One node: its kind, folding, cycles per frame and latency, the estimate, and Yosys' counts when synthesized.</summary>
    /// <paramref name="DoesNotFit"/> is nextpnr's reason when the layer does not fit the device (then FmaxMhz is null).
    public sealed record Layer(string Node, string Kind, string? Fold, long Cycles, long Latency, Cells Estimate, Cells? Synth, double? FmaxMhz, string? DoesNotFit = null);

    /// <summary>One Verilator run of verify.json.</summary>
    public sealed record Run(string Name, int Samples, int BitExact, long Mismatches, long TotalCycles, bool Passed);

    /// <summary>simulate.json: golden integer accuracy against the fake-quant model.</summary>
    public sealed record Accuracy(int Samples, double Integer, double FakeQuant, int Identical);

    /// <summary>verify.json: the runs, and the measured latency and initiation interval beside the analytic one.</summary>
    public sealed record Verification(bool Passed, IReadOnlyList<Run> Runs, long? LatencyCycles, double? MeasuredInterval, long? AnalyticInterval);

    /// <summary>The Fmax used when neither --fmax nor a nextpnr result gives one.</summary>
    public const double DefaultFmaxMhz = 100;

    /// <summary>The network's name in the IR.</summary>
    public required string Graph { get; init; }

    /// <summary>The build directory.</summary>
    public required string BuildDir { get; init; }

    /// <summary>The family of the estimate (and of the synthesis compared with it).</summary>
    public required FpgaFamily Family { get; init; }

    /// <summary>The clock throughput and latency are stated at.</summary>
    public required double FmaxMhz { get; init; }

    /// <summary>Where <see cref="FmaxMhz"/> comes from.</summary>
    public required string FmaxSource { get; init; }

    /// <summary>Every node, in graph order.</summary>
    public required IReadOnlyList<Layer> Layers { get; init; }

    /// <summary>The whole design synthesized at once, when synth.json has it.</summary>
    public Cells? SynthWhole { get; init; }

    /// <summary>The iCE40 device nextpnr placed on (synth.json's <c>device</c>), or null.</summary>
    public string? Device { get; init; }

    /// <summary>nextpnr's Fmax of the whole design, or null.</summary>
    public double? WholeFmaxMhz { get; init; }

    /// <summary>nextpnr's reason when the whole design does not fit <see cref="Device"/>, or null.</summary>
    public string? WholeDoesNotFit { get; init; }

    /// <summary>Why synthesis is missing or not compared, or null.</summary>
    public string? SynthNote { get; init; }

    /// <summary>Cycles per frame of the slowest node.</summary>
    public required long Interval { get; init; }

    /// <summary>That node.</summary>
    public required string Bottleneck { get; init; }

    /// <summary>Cycles from a frame's first input beat to its last output beat (the estimator's pipeline latency).</summary>
    public required long LatencyCycles { get; init; }

    /// <summary>simulate.json, when present.</summary>
    public Accuracy? Accuracies { get; init; }

    /// <summary>verify.json, when present.</summary>
    public Verification? Verified { get; init; }

    /// <summary>folding.json, when present.</summary>
    public FoldingCurve? Folding { get; init; }

    /// <summary>The multiplier study (multipliers.json of <c>quanthdl study multipliers</c>), when given.</summary>
    public JsonObject? Study { get; init; }

    /// <summary>The sum of the nodes' estimates.</summary>
    public Cells EstimateTotal => Cells.Sum(Layers.Select(l => l.Estimate));

    /// <summary>The sum of the nodes' synthesis counts, when every node with hardware was synthesized.</summary>
    public Cells? SynthTotal => Layers.Any(l => l.Synth is not null) && Layers.All(l => l.Synth is not null || l.Kind == "input")
        ? Cells.Sum(Layers.Select(l => l.Synth ?? new Cells(0, 0, 0, 0)))
        : null;

    /// <summary>Frames per second at <see cref="FmaxMhz"/>: one frame per interval.</summary>
    public double FramesPerSecond => FmaxMhz * 1e6 / Interval;

    /// <summary>The pipeline latency in microseconds at <see cref="FmaxMhz"/>.</summary>
    public double LatencyMicroseconds => LatencyCycles / FmaxMhz;

    /// <summary>
    /// Assembles the report of <paramref name="src"/>. The family is <paramref name="family"/>, else synth.json's,
    /// else folding.json's, else xc7; a synth.json of another family is not compared. The Fmax is
    /// <paramref name="fmaxMhz"/>, else nextpnr's for the whole design, else its slowest layer's, else
    /// <see cref="DefaultFmaxMhz"/>.
    /// </summary>
    public static DesignReport Build(ReportSources src, FpgaFamily? family = null, double? fmaxMhz = null)
    {
        if (fmaxMhz is double f && !(f > 0 && !double.IsInfinity(f))) throw new ArgumentException($"--fmax {f.ToString(CultureInfo.InvariantCulture)} must be a positive clock in MHz");
        var synthFamily = src.Synth?["target"] is JsonNode t ? FpgaFamilies.Parse((string)t!) : (FpgaFamily?)null;
        var fam = family ?? synthFamily ?? src.Folding?.Family ?? FpgaFamily.Xc7;
        var synth = synthFamily == fam ? src.Synth : null;
        string? note = src.Synth is null ? "no synth.json: run 'quanthdl synth --build BUILD' to compare with Yosys"
            : synth is null ? $"synth.json is for {FpgaFamilies.Name(synthFamily!.Value)}, not {FpgaFamilies.Name(fam)}; not compared"
            : null;
        var synthLayers = (synth?["layers"]?.AsArray() ?? []).Select(n => n!.AsObject()).ToDictionary(o => (string)o["node"]!);
        var e = ResourceEstimator.Of(src.Graph, fam);
        var layers = src.Graph.Nodes.Select(n =>
        {
            var x = e.Nodes.Single(p => p.Node == n.Name).Estimate;
            synthLayers.TryGetValue(n.Name, out var s);
            return new Layer(n.Name, KindName(n.Op.Kind), AssignFolding.FoldOf(n.Op)?.ToString(), x.Cycles, x.Latency,
                new Cells(x.Lut, x.Ff, x.Dsp, x.Bram), s is null ? null : CellsOf(s), (double?)s?["fmax_mhz"], (string?)s?["does_not_fit"]);
        }).ToList();
        var whole = synth?["whole"] is JsonObject w && w["lut"] is not null ? w : null;
        var (fmax, source) = Fmax(fmaxMhz, whole, layers, (string?)synth?["device"]);
        return new DesignReport
        {
            Graph = src.Graph.Name,
            BuildDir = src.BuildDir,
            Family = fam,
            FmaxMhz = fmax,
            FmaxSource = source,
            Layers = layers,
            SynthWhole = whole is null ? null : CellsOf(whole),
            Device = (string?)synth?["device"],
            WholeFmaxMhz = (double?)whole?["fmax_mhz"],
            WholeDoesNotFit = (string?)whole?["does_not_fit"],
            SynthNote = note ?? (synth?["whole"]?["skipped"] is JsonNode sk ? $"whole design not synthesized: {Reason((string?)sk)}" : null),
            Interval = e.InitiationInterval,
            Bottleneck = e.Bottleneck,
            LatencyCycles = e.Latency,
            Study = src.Study,
            Accuracies = src.Simulate is { } sim ? new Accuracy((int)sim["samples"]!, (double)sim["integer_accuracy"]!, (double)sim["fake_quant_accuracy"]!, (int)sim["identical_predictions"]!) : null,
            Verified = src.Verify is { } v ? VerificationOf(v) : null,
            Folding = src.Folding,
        };
    }

    private static (double, string) Fmax(double? given, JsonObject? whole, List<Layer> layers, string? device)
    {
        if (given is double g) return (g, "--fmax");
        if ((double?)whole?["fmax_mhz"] is double w) return (w, $"nextpnr-ice40 {device}, whole design");
        var slowest = layers.Where(l => l.FmaxMhz is not null).MinBy(l => l.FmaxMhz);
        if (slowest is not null) return (slowest.FmaxMhz!.Value, $"nextpnr-ice40 {device}, slowest layer {slowest.Node}");
        return (DefaultFmaxMhz, $"default {DefaultFmaxMhz:0} MHz (no nextpnr Fmax in synth.json; set --fmax)");
    }

    /// <summary>A skip reason without its trailing "(in FOLDER)", which names a deleted staging folder.</summary>
    private static string Reason(string? text) => text is null ? "skipped" : text.Split(" (in ")[0];

    private static Cells CellsOf(JsonObject o) => new((long)o["lut"]!, (long)o["ff"]!, (long)o["dsp"]!, (long)o["bram"]!);

    private static Verification VerificationOf(JsonObject v)
    {
        var runs = new List<Run>();
        foreach (var (name, key) in new[] { ("no stalls", "no_stall_run"), ("random stalls", "stall_run") })
        {
            var r = v[key] is JsonObject o ? (o["result"] as JsonObject ?? o) : null;
            if (r?["samples"] is null) continue;
            runs.Add(new Run(name, (int)r["samples"]!, (int)r["bit_exact"]!, (long)r["mismatches"]!, (long)r["total_cycles"]!, (bool?)r["passed"] ?? false));
        }
        return new Verification((bool?)v["passed"] ?? false, runs, (long?)v["latency_cycles"], (double?)v["initiation_interval_cycles"],
            (long?)v["analytic"]?["initiation_interval_cycles"]);
    }

    /// <summary>The kind as ir.json and the report name it.</summary>
    public static string KindName(OpKind k) => k switch
    {
        OpKind.Input => "input",
        OpKind.Dense => "dense",
        OpKind.Conv => "conv",
        OpKind.MaxPool => "maxpool",
        OpKind.AvgPool => "avgpool",
        OpKind.Add => "add",
        OpKind.Fork => "fork",
    };
}
