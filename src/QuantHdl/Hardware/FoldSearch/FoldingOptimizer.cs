using System.Globalization;
using QuantHdl.Compiler.Ir;
using QuantHdl.Compiler.Passes;
using QuantHdl.Hardware.Estimates;

namespace QuantHdl.Hardware.FoldSearch;

/// <summary>
/// The folding optimizer (docs/estimation.md, "Folding optimizer"): chooses SIMD x PE for every dense and conv layer of
/// a frozen graph so that the pipeline is balanced. The slowest node sets the initiation interval II; for a frame rate
/// it takes the cheapest folding (the analytic estimator's LUTs) with <c>II &lt;= fmax / fps</c>, for a LUT budget
/// the lowest II within it. It also returns the trade-off curve: the Pareto points (II, LUTs) over all legal foldings.
/// An analysis: it reads the graph and the estimator and returns data; compile applies the choice with
/// <c>AssignFolding</c>'s overrides.
/// </summary>
public static class FoldingOptimizer
{
    /// <summary>
    /// The Pareto points of <paramref name="frozen"/> (a graph as the freezer writes it), fastest first: for every
    /// interval some folding reaches, the cheapest folding meeting it, kept when nothing faster is as cheap. Each point
    /// is the estimate of the graph compiled with that folding. Layers in <paramref name="pinned"/> keep their folding.
    /// </summary>
    public static IReadOnlyList<FoldingPoint> Curve(IrGraph frozen, FpgaFamily family, IReadOnlyDictionary<string, Folding>? pinned = null)
    {
        var (space, _) = Space(frozen, family, pinned);
        var found = new List<(long Lut, long Interval, Dictionary<string, Folding> Folds)>();
        foreach (long ii in space.Intervals())
            if (space.Solve(ii) is { } s && (found.Count == 0 || s.Lut < found[^1].Lut))
                found.Add(s);
        // Only the points Pareto-optimal in the searched cost are compiled and estimated whole (on graphs without adds
        // and forks that cost is the whole estimate, so nothing is lost); then the curve is filtered on the whole.
        var kept = new List<(long Lut, long Interval, Dictionary<string, Folding> Folds)>();
        foreach (var s in found.OrderBy(s => s.Interval).ThenBy(s => s.Lut))
            if (kept.Count == 0 || s.Lut < kept[^1].Lut) kept.Add(s);
        return Pareto(kept.Select(s => Evaluate(frozen, s.Folds, family)));
    }

    /// <summary>
    /// The folding that meets <paramref name="goal"/> (<see cref="FoldingGoalKind.TargetFps"/> or
    /// <see cref="FoldingGoalKind.LutBudget"/>) and the curve it was chosen from. An impossible goal throws
    /// <see cref="ArgumentException"/> with one line stating the best reachable figure.
    /// </summary>
    public static FoldingCurve Choose(IrGraph frozen, FoldingGoal goal, FpgaFamily family, IReadOnlyDictionary<string, Folding>? pinned = null)
    {
        var curve = Curve(frozen, family, pinned);
        string target = FpgaFamilies.Name(family);
        string pins = pinned is { Count: > 0 } ? " with the --fold layers pinned" : "";
        switch (goal.Kind)
        {
            case FoldingGoalKind.TargetFps:
            {
                long limit = goal.MaxInterval;
                var fastest = curve[0];
                if (fastest.Interval > limit)
                    throw new ArgumentException(
                        $"{goal} needs an initiation interval of at most {limit} cycles; the fastest legal folding{pins} reaches {fastest.Interval} cycles, " +
                        $"{Figure(fastest.FramesPerSecond(goal.FmaxMhz))} fps ({fastest.Lut} LUTs on {target})");
                var (space, _) = Space(frozen, family, pinned);
                var exact = space.Solve(limit)!.Value.Folds;
                var best = curve.Where(p => p.Interval <= limit).Append(Evaluate(frozen, exact, family))
                    .OrderBy(p => p.Lut).ThenBy(p => p.Interval).First();
                return new FoldingCurve(family, goal, curve, best);
            }
            case FoldingGoalKind.LutBudget:
            {
                var cheapest = curve[^1];
                if (cheapest.Lut > goal.Value)
                    throw new ArgumentException(
                        $"{goal} is below the cheapest legal folding{pins}: {cheapest.Lut} LUTs on {target} (initiation interval {cheapest.Interval} cycles)");
                var best = curve.Where(p => p.Lut <= goal.Value).OrderBy(p => p.Interval).ThenBy(p => p.Lut).First();
                return new FoldingCurve(family, goal, curve, best);
            }
            case FoldingGoalKind.MaxMacs:
                throw new ArgumentException($"{goal} is AssignFolding's heuristic, not an optimizer goal; use --target-fps or --lut-budget");
        }
        throw new ArgumentOutOfRangeException(nameof(goal), goal.Kind, "unknown folding goal");
    }

    /// <summary>
    /// The estimate of <paramref name="frozen"/> compiled with <paramref name="folds"/> for every layer: the default pass
    /// pipeline with those overrides, then the estimator.
    /// </summary>
    public static FoldingPoint Evaluate(IrGraph frozen, IReadOnlyDictionary<string, Folding> folds, FpgaFamily family) =>
        Of(PassPipeline.Run(frozen, PassPipeline.Default(foldOverrides: folds)), family);

    /// <summary>The point of an already compiled graph: its folds and its estimate.</summary>
    public static FoldingPoint Of(IrGraph compiled, FpgaFamily family)
    {
        var e = ResourceEstimator.Of(compiled, family);
        var folds = compiled.Nodes.Where(n => AssignFolding.FoldOf(n.Op) is not null)
            .ToDictionary(n => n.Name, n => AssignFolding.FoldOf(n.Op)!);
        return new FoldingPoint(e.InitiationInterval, e.Lut, e.Ff, e.Dsp, e.Bram, e.Bottleneck, folds);
    }

    /// <summary>The points no other point beats on both interval and LUTs, fastest first.</summary>
    private static List<FoldingPoint> Pareto(IEnumerable<FoldingPoint> points)
    {
        var kept = new List<FoldingPoint>();
        foreach (var p in points.OrderBy(p => p.Interval).ThenBy(p => p.Lut))
            if (kept.Count == 0 || p.Lut < kept[^1].Lut) kept.Add(p);
        return kept;
    }

    /// <summary>The space over the graph with its widths set and every unpinned layer at 1x1 (validated).</summary>
    private static (FoldingSpace, IrGraph) Space(IrGraph frozen, FpgaFamily family, IReadOnlyDictionary<string, Folding>? pinned)
    {
        var pins = pinned ?? new Dictionary<string, Folding>();
        // The same passes as compile up to folding; AssignFolding checks the pinned folds and names a bad one.
        var g = PassPipeline.Run(frozen, [new InferAccumulatorWidths(), new AssignFolding(1, pins)]);
        return (new FoldingSpace(g, family, pins), g);
    }

    private static string Figure(double fps) => fps.ToString(fps >= 100 ? "N0" : "0.##", CultureInfo.InvariantCulture);
}
