using QuantHdl.Artifacts;
using QuantHdl.Engine.Data;
using QuantHdl.Compiler.Freeze;
using QuantHdl.Compiler.Ir;
using QuantHdl.Compiler.Passes;
using QuantHdl.Quantization;
using QuantHdl.Arithmetic;
using QuantHdl.Hardware.Estimates;
using QuantHdl.Hardware.FoldSearch;

namespace QuantHdl.Flows;

/// <summary>Options of the compile stage.</summary>
public sealed record CompileOptions
{
    /// <summary>MAC budget of the largest layer when folding is chosen automatically.</summary>
    public int MaxMacsPerCycle { get; init; } = 64;

    /// <summary>Explicit SIMD x PE per layer name; wins over the automatic choice.</summary>
    public IReadOnlyDictionary<string, Folding>? Folds { get; init; }

    /// <summary>
    /// A frame rate or LUT budget for the folding optimizer, which then chooses every layer the overrides leave free;
    /// null for the <see cref="MaxMacsPerCycle"/> heuristic.
    /// </summary>
    public FoldingGoal? Goal { get; init; }

    /// <summary>The family whose estimated LUTs the folding optimizer and folding.json count.</summary>
    public FpgaFamily Family { get; init; } = FpgaFamily.Xc7;

    /// <summary>How many test images become verification vectors.</summary>
    public int Vectors { get; init; } = 200;

    /// <summary>Where the test images come from.</summary>
    public string DataDir { get; init; } = IdxDataset.DefaultDataDir;

    /// <summary>
    /// Fraction bits of the POST x/sqrt 2 table the caller expects, or null. The value used is always the
    /// one QAT trained with (the checkpoint's <see cref="DeploymentSettings"/>); a different value here is refused.
    /// </summary>
    public int? SqrtFracBits { get; init; }

    /// <summary>Width of the requantization multiplier the caller expects, or null; as <see cref="SqrtFracBits"/>.</summary>
    public int? MultiplierBits { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad value.</summary>
    public void Check()
    {
        if (MaxMacsPerCycle < 1 || MaxMacsPerCycle > 4096) throw new ArgumentException($"--max-macs {MaxMacsPerCycle} is out of range 1..4096");
        if (Vectors < 1 || Vectors > 10000) throw new ArgumentException($"--vectors {Vectors} is out of range 1..10000");
        // The ranges are the arithmetic core's (docs/integer-semantics.md §3, §4), defined once there.
        new DeploymentSettings(SqrtFracBits ?? DeploymentSettings.DefaultSqrtFracBits, MultiplierBits ?? DeploymentSettings.DefaultMultiplierBits).Check();
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when an expected value differs from <paramref name="trained"/>,
    /// the settings the QAT checkpoint <paramref name="fromDir"/> was trained with: the bias grid is only the
    /// hardware's integer bias for the F it was trained for.
    /// </summary>
    public void CheckAgainst(DeploymentSettings trained, string fromDir)
    {
        if (SqrtFracBits is int f && f != trained.SqrtFracBits)
            throw new ArgumentException($"--sqrt-frac-bits {f} differs from F = {trained.SqrtFracBits}, which '{fromDir}' was trained with; rerun qat with --sqrt-frac-bits {f}");
        if (MultiplierBits is int mb && mb != trained.MultiplierBits)
            throw new ArgumentException($"--multiplier-bits {mb} differs from MB = {trained.MultiplierBits}, which '{fromDir}' was trained with; rerun qat with --multiplier-bits {mb}");
    }

    /// <summary>Parses <c>fc1=16x4,fc2=4x2</c>.</summary>
    public static Dictionary<string, Folding> ParseFolds(string? text)
    {
        var result = new Dictionary<string, Folding>();
        if (string.IsNullOrWhiteSpace(text)) return result;
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = item.Split('=');
            var sp = kv.Length == 2 ? kv[1].Split('x') : [];
            if (sp.Length != 2 || !int.TryParse(sp[0], out int simd) || !int.TryParse(sp[1], out int pe) || simd < 1 || pe < 1)
                throw new ArgumentException($"--fold item '{item}' is not of the form LAYER=SIMDxPE, e.g. fc1=16x4");
            result[kv[0]] = new Folding(simd, pe);
        }
        return result;
    }
}

/// <summary>The compile stage: QAT checkpoint to a build directory with ir.json, the RTL and test vectors.</summary>
public static class CompileFlow
{
    /// <summary>File name of the IR inside a build directory.</summary>
    public const string IrFile = "ir.json";

    /// <summary>The folding trade-off curve and the chosen point (<see cref="FoldingCurve"/>), beside ir.json.</summary>
    public const string FoldingFile = "folding.json";

    /// <summary>Subdirectory holding a copy of the source checkpoint.</summary>
    public const string CheckpointDir = "checkpoint";

    /// <summary>
    /// Freezes, lowers, validates and writes everything into <paramref name="buildDir"/> atomically. The
    /// directory must not exist or be empty; with <paramref name="force"/> it may also be a build directory
    /// QuantHdl wrote (see <see cref="OutputDirectory"/>); it is never <paramref name="fromDir"/> or a parent of it.
    /// </summary>
    public static IrGraph Compile(string fromDir, string buildDir, CompileOptions o, IFlowReporter r, Action<IrGraph, string, long[][]>? emit = null, bool force = false)
    {
        o.Check();
        using var dir = OutputDirectory.Begin(buildDir, ArtifactKind.Build, force, fromDir, o.DataDir);
        var (info, model) = ModelStore.LoadQat(fromDir);
        o.CheckAgainst(info.DeploymentOrDefault, fromDir);
        if (model.AsqQuantizers() is { Count: > 0 } asq)
            r.Info($"asq: deploying the static form, beta folded into the activation step (docs/asq.md): {string.Join(", ", asq.Select(q => $"{q.Name} beta {q.Quantizer.StaticBeta.Data[0]:F4}"))} (calibrated on {info.Asq?.CalibrationImages} training images)");
        var frozen = Freezer.Freeze(FakeQuantSource.From(model, "qnet", info.LogitStep!.Value));
        var (graph, curve) = Fold(frozen, o);
        var test = IdxDataset.Load(o.DataDir, train: false);
        if (test.Features != graph.Nodes[0].OutSize)
            throw new ArgumentException($"the network takes {graph.Nodes[0].OutSize} inputs but images in {o.DataDir} have {test.Features} pixels");
        if (test.Classes != graph.Classes)
            throw new ArgumentException($"the network has {graph.Classes} logits but {o.DataDir} has {test.Classes} classes");
        var inputs = EmitFlow.Vectors(o.DataDir, o.Vectors, test.Features);
        int n = inputs.Length;

        IrJson.Save(graph, Path.Combine(dir.StagingPath, IrFile));
        File.WriteAllText(Path.Combine(dir.StagingPath, FoldingFile), curve.ToJson());
        new BuildDataset(Path.GetFullPath(o.DataDir), test.Classes, test.Features).Save(dir.StagingPath);
        var ckpt = Path.Combine(dir.StagingPath, CheckpointDir);
        Directory.CreateDirectory(ckpt);
        foreach (var f in new[] { Checkpoint.InfoFile, Checkpoint.DataFile })
            File.Copy(Path.Combine(fromDir, f), Path.Combine(ckpt, f));
        emit?.Invoke(graph, dir.StagingPath, inputs);
        dir.Commit();
        var cycles = QuantHdl.Hardware.CycleModel.PerNode(graph).ToDictionary(p => p.Node, p => p.Cycles);
        foreach (var node in graph.Nodes)
        {
            string? what = node.Op.Kind switch
            {
                OpKind.Conv => Describe(node, (ConvOp)node.Op),
                OpKind.Dense => Describe(node, (DenseOp)node.Op),
                OpKind.MaxPool => Describe(node, (MaxPoolOp)node.Op),
                OpKind.AvgPool => Describe(node, (AvgPoolOp)node.Op),
                OpKind.Add => Describe(node, (AddOp)node.Op),
                OpKind.Fork => Describe((ForkOp)node.Op),
                OpKind.Input => null,
            };
            if (what is not null) r.Info($"{node.Name}: {what} ({cycles[node.Name]} cycles/frame)");
        }
        var (ii, bottleneck) = QuantHdl.Hardware.CycleModel.InitiationInterval(graph);
        r.Info($"analytic initiation interval {ii} cycles per frame, set by {bottleneck}");
        r.Info($"folding by {curve.Goal}: {curve.Chosen.Lut} LUTs estimated on {FpgaFamilies.Name(curve.Family)}" +
               (curve.ChosenIsOnCurve ? ", on" : ", off") + $" the trade-off curve of {curve.Points.Count} Pareto points in {FoldingFile}");
        r.Info(emit is null
            ? $"wrote {Path.Combine(buildDir, IrFile)}; 'quanthdl emit --build {buildDir}' writes the RTL and vectors"
            : $"wrote {Path.Combine(buildDir, IrFile)}, the RTL and {n} test vectors");
        return graph;
    }

    /// <summary>
    /// Lowers the frozen graph with the folding of <paramref name="o"/>: the optimizer's choice for a goal, else the
    /// MAC-budget heuristic; and the trade-off curve the choice sits on (docs/estimation.md, "Folding optimizer").
    /// </summary>
    private static (IrGraph, FoldingCurve) Fold(IrGraph frozen, CompileOptions o)
    {
        if (o.Goal is { } goal)
        {
            var chosen = FoldingOptimizer.Choose(frozen, goal, o.Family, o.Folds);
            return (PassPipeline.Run(frozen, PassPipeline.Default(o.MaxMacsPerCycle, chosen.Chosen.Folds)), chosen);
        }
        var graph = PassPipeline.Run(frozen, PassPipeline.Default(o.MaxMacsPerCycle, o.Folds));
        var curve = FoldingOptimizer.Curve(frozen, o.Family, o.Folds);
        return (graph, new FoldingCurve(o.Family, FoldingGoal.Macs(o.MaxMacsPerCycle), curve, FoldingOptimizer.Of(graph, o.Family)));
    }

    private static string Describe(IrNode n, ConvOp c) =>
        $"conv {c.InC}x{c.InH}x{c.InW} k{c.K}" + (c.Stride > 1 ? $" s{c.Stride}" : "") + (c.Pad > 0 ? $" p{c.Pad}" : "") + (c.Groups > 1 ? $" g{c.Groups}" : "") +
        $" -> {c.OutC}x{c.OutH}x{c.OutW} {c.Mvu.Weight}, acc s{c.Mvu.AccBits}, out {n.OutType}, fold {c.Mvu.Fold}";

    private static string Describe(IrNode n, DenseOp d) => $"{d.In}x{d.Out} {d.Weight}, acc s{d.AccBits}, out {n.OutType}, fold {d.Fold}";

    private static string Describe(IrNode n, MaxPoolOp p) => $"max pool {p.K}x{p.K} of {p.C}x{p.InH}x{p.InW}, out {n.OutType}";

    private static string Describe(IrNode n, AvgPoolOp p) => $"average pool {p.KH}x{p.KW} of {p.C}x{p.InH}x{p.InW}, {p.SumBits}-bit sums, out {n.OutType}";

    private static string Describe(IrNode n, AddOp a) => $"add of {a.C}x{a.H}x{a.W} at a common scale (x{a.MA}, x{a.MB}, >> {a.Shift}), {a.SumBits}-bit sums, out {n.OutType}";

    private static string Describe(ForkOp f) =>
        "fork to " + string.Join(", ", f.Branches.Select(b => b.Depth == 0 ? $"{b.Consumer} (no FIFO)" : $"{b.Consumer} (FIFO {b.Depth} beats in {b.Storage}{(b.Tight ? ", tight" : "")})"));
}
