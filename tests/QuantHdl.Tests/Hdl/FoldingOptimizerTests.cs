using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Freeze;
using QuantHdl.Compiler.Ir;
using QuantHdl.Compiler.Passes;
using QuantHdl.Hardware;
using QuantHdl.Hardware.Estimates;
using QuantHdl.Hardware.FoldSearch;

namespace QuantHdl.Tests.Hdl;

/// <summary>
/// The folding optimizer (docs/estimation.md, "Folding optimizer") against a brute-force enumeration of every legal
/// folding of small graphs: each combination compiled by the pass pipeline and estimated whole. The enumeration lists
/// the divisors itself, so it shares neither the optimizer's candidate set nor its dynamic programme.
/// </summary>
public class FoldingOptimizerTests
{
    /// <summary>A three-layer MLP 12-8-6-4: 24 x 16 x 12 = 4,608 foldings.</summary>
    private static IrGraph Mlp() => Freezer.Freeze(TestModels.RandomMlp(3, new WeightSpec(WeightCode.Post, 4), 4, 12, 8, 6, 4));

    /// <summary>conv (2 -> 4 channels) -> max pool -> grouped conv -> average pool -> dense: 6 x 9 x 6 = 324 foldings.</summary>
    private static IrGraph Cnn() => QuantHdl.Tests.Verify.CnnGraphs.Small(new WeightSpec(WeightCode.Uniform, 4), 5);

    private static IEnumerable<int> Divisors(int n) => Enumerable.Range(1, n).Where(d => n % d == 0);

    /// <summary>Every folding the validator's rules allow, layer by layer: SIMD | In (a conv's: | input channels), PE | Out.</summary>
    private static List<(string Layer, Folding Fold)[]> AllFoldings(IrGraph g)
    {
        var perLayer = new List<(string, Folding)[]>();
        foreach (var n in g.Nodes)
        {
            var (simdOf, outs) = n.Op switch
            {
                DenseOp d => (d.In, d.Out),
                ConvOp c => (c.InC, c.Mvu.Out),
                _ => (0, 0),
            };
            if (simdOf == 0) continue;
            perLayer.Add((from s in Divisors(simdOf) from p in Divisors(outs) select (n.Name, new Folding(s, p))).ToArray());
        }
        var all = new List<(string, Folding)[]> { Array.Empty<(string, Folding)>() };
        foreach (var options in perLayer)
            all = (from prefix in all from o in options select prefix.Append(o).ToArray()).ToList();
        return all;
    }

    /// <summary>(II, LUTs) of every legal folding, each compiled and estimated whole.</summary>
    private static List<(long Ii, long Lut)> BruteForce(IrGraph frozen, FpgaFamily family) =>
        AllFoldings(frozen).Select(folds =>
        {
            var g = PassPipeline.Run(frozen, PassPipeline.Default(foldOverrides: folds.ToDictionary(x => x.Layer, x => x.Fold)));
            var e = ResourceEstimator.Of(g, family);
            Assert.Equal(e.Nodes.Max(x => x.Estimate.Cycles), CycleModel.InitiationInterval(g).Cycles);
            return (e.InitiationInterval, e.Lut);
        }).ToList();

    /// <summary>The Pareto frontier of the enumeration: per interval the cheapest, kept while LUTs fall.</summary>
    private static List<(long Ii, long Lut)> Frontier(List<(long Ii, long Lut)> all)
    {
        var kept = new List<(long, long)>();
        foreach (var p in all.OrderBy(p => p.Ii).ThenBy(p => p.Lut))
            if (kept.Count == 0 || p.Lut < kept[^1].Item2) kept.Add(p);
        return kept;
    }

    public static TheoryData<string, FpgaFamily> Graphs() => new() { { "mlp", FpgaFamily.Xc7 }, { "mlp", FpgaFamily.Ice40 }, { "cnn", FpgaFamily.Xc7 } };

    private static IrGraph Named(string name) => name == "mlp" ? Mlp() : Cnn();

    [Theory]
    [MemberData(nameof(Graphs))]
    public void TheCurveIsTheBruteForceParetoFrontier(string graph, FpgaFamily family)
    {
        var frozen = Named(graph);
        var reference = Frontier(BruteForce(frozen, family));
        var curve = FoldingOptimizer.Curve(frozen, family);
        Assert.Equal(reference, curve.Select(p => (p.Interval, p.Lut)).ToList());
        Assert.True(reference.Count >= 4, $"{reference.Count} Pareto points is too few to test anything");
    }

    [Theory]
    [MemberData(nameof(Graphs))]
    public void ATargetFrameRateGetsTheCheapestFoldingMeetingIt(string graph, FpgaFamily family)
    {
        var frozen = Named(graph);
        var all = BruteForce(frozen, family);
        // Every interval some folding reaches: at fmax = T MHz and 10^6 fps the interval must be at most T.
        foreach (long t in all.Select(p => p.Ii).Distinct().Order())
        {
            var chosen = FoldingOptimizer.Choose(frozen, FoldingGoal.Fps(1e6, t), family).Chosen;
            Assert.True(chosen.Interval <= t, $"II {chosen.Interval} > {t}");
            Assert.Equal(all.Where(p => p.Ii <= t).Min(p => p.Lut), chosen.Lut);
            // The choice is what compile builds: it passes the RTL limits, and its estimate is the point's.
            var g = PassPipeline.Run(frozen, PassPipeline.Default(foldOverrides: chosen.Folds));
            RtlValidator.Check(g);
            Assert.Equal(chosen.Lut, ResourceEstimator.Of(g, family).Lut);
        }
    }

    [Theory]
    [MemberData(nameof(Graphs))]
    public void ALutBudgetGetsTheFastestFoldingWithinIt(string graph, FpgaFamily family)
    {
        var frozen = Named(graph);
        var all = BruteForce(frozen, family);
        long min = all.Min(p => p.Lut), max = all.Max(p => p.Lut);
        // The edges of the frontier (a budget at, just below and just above each Pareto point), and the extremes.
        var budgets = Frontier(all).SelectMany(p => new[] { p.Lut - 1, p.Lut, p.Lut + 1 }).Where(b => b >= min).Append(max).Distinct();
        foreach (long b in budgets)
        {
            var chosen = FoldingOptimizer.Choose(frozen, FoldingGoal.Budget(b), family).Chosen;
            Assert.True(chosen.Lut <= b, $"{chosen.Lut} LUTs > budget {b}");
            long fastest = all.Where(p => p.Lut <= b).Min(p => p.Ii);
            Assert.Equal(fastest, chosen.Interval);
            Assert.Equal(all.Where(p => p.Lut <= b && p.Ii == fastest).Min(p => p.Lut), chosen.Lut);
        }
    }

    [Fact]
    public void AnImpossibleFrameRateNamesTheFastestReachableFigure()
    {
        var frozen = Mlp();
        var all = BruteForce(frozen, FpgaFamily.Xc7);
        long fastest = all.Min(p => p.Ii);
        // One cycle less than the fastest interval at 10 MHz: 10^7 / (fastest - 1) fps cannot be met.
        double fps = 1e7 / (fastest - 0.5);
        var e = Assert.Throws<ArgumentException>(() => FoldingOptimizer.Choose(frozen, FoldingGoal.Fps(fps, 10), FpgaFamily.Xc7));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains($"reaches {fastest} cycles", e.Message);
        Assert.Contains($"{(1e7 / fastest).ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} fps", e.Message);
        Assert.Contains($"({all.Where(p => p.Ii == fastest).Min(p => p.Lut)} LUTs on xc7)", e.Message);
    }

    [Fact]
    public void AnImpossibleBudgetNamesTheCheapestFolding()
    {
        var frozen = Mlp();
        var all = BruteForce(frozen, FpgaFamily.Xc7);
        long cheapest = all.Min(p => p.Lut);
        var e = Assert.Throws<ArgumentException>(() => FoldingOptimizer.Choose(frozen, FoldingGoal.Budget(cheapest - 1), FpgaFamily.Xc7));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains($"--lut-budget {cheapest - 1} is below the cheapest legal folding: {cheapest} LUTs on xc7", e.Message);
        Assert.Equal(cheapest, FoldingOptimizer.Choose(frozen, FoldingGoal.Budget(cheapest), FpgaFamily.Xc7).Chosen.Lut);
    }

    [Fact]
    public void APinnedLayerKeepsItsFoldingAndTheRestIsOptimizedAroundIt()
    {
        var frozen = Mlp();
        var pin = new Dictionary<string, Folding> { ["fc2"] = new(2, 3) };
        var all = AllFoldings(frozen).Where(f => f.Single(x => x.Layer == "fc2").Fold == pin["fc2"])
            .Select(folds => ResourceEstimator.Of(PassPipeline.Run(frozen, PassPipeline.Default(foldOverrides: folds.ToDictionary(x => x.Layer, x => x.Fold))), FpgaFamily.Xc7))
            .Select(e => (e.InitiationInterval, e.Lut)).ToList();
        var curve = FoldingOptimizer.Curve(frozen, FpgaFamily.Xc7, pin);
        Assert.Equal(Frontier(all), curve.Select(p => (p.Interval, p.Lut)).ToList());
        Assert.All(curve, p => Assert.Equal(pin["fc2"], p.Folds["fc2"]));
    }

    [Fact]
    public void TheOptimizerLeavesTheGraphAsItWas()
    {
        var frozen = Cnn();
        string before = IrJson.Serialize(frozen);
        FoldingOptimizer.Choose(frozen, FoldingGoal.Budget(1_000_000), FpgaFamily.Xc7);
        Assert.Equal(before, IrJson.Serialize(frozen));
    }

    [Fact]
    public void FoldingJsonRoundTrips()
    {
        var frozen = Mlp();
        var c = FoldingOptimizer.Choose(frozen, FoldingGoal.Fps(2000, 1), FpgaFamily.Ice40);
        var path = Path.Combine(Path.GetTempPath(), $"quanthdl-folding-{Environment.ProcessId}.json");
        try
        {
            File.WriteAllText(path, c.ToJson());
            var back = FoldingCurve.Load(path);
            Assert.Equal(c.ToJson(), back.ToJson());
            Assert.Equal(500, c.Goal.MaxInterval);
            Assert.True(back.ChosenIsOnCurve);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
