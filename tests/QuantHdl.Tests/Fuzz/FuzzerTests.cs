using QuantHdl.Verification.Fuzz;
using QuantHdl.Hardware;
using QuantHdl.Compiler.Ir;
using QuantHdl.Tests.Hdl;
using QuantHdl.Tests.Verify;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Fuzz;

/// <summary>
/// The differential fuzzer: a short fixed-seed run through Verilator (CI's fuzz), the generator's
/// coverage of the corners it promises, and the minimizer and failure files with an injected fake failure.
/// </summary>
public sealed class FuzzerTests
{
    [Fact]
    public void AShortFixedSeedFuzzFindsNoMismatch()
    {
        var dir = HdlTestKit.NewTempDir("fuzz");
        var seen = new List<(int, FuzzCase, FuzzOutcome)>();
        // The shared cache keeps Verilator's runtime objects between test runs; the networks' builds are removed.
        var summary = new Fuzzer(Path.Combine(dir, "work"), cacheDir: E2eFixture.Cache) { Jobs = 2 }.Run(20261137, 4, (i, c, o) => seen.Add((i, c, o)));
        Assert.True(summary.Passed, string.Join("\n", summary.Failures.Select(f => $"{f.Reproduce}: {f.Outcome.Kind}: {f.Outcome.Message}")));
        Assert.Equal(4, summary.Networks);
        // Dense chains and CNNs; one CNN has a conv, a max pool and an average pool, with stride, padding and grouping.
        Assert.Equal(2, summary.Cnns);
        Assert.Contains(seen, s => !NetworkGenerator.IsCnn(s.Item2.Seed));
        Assert.Contains(seen, s => Kinds(s.Item2).IsSupersetOf([OpKind.Conv, OpKind.MaxPool, OpKind.AvgPool, OpKind.Dense]));
        var convs = seen.SelectMany(s => s.Item2.Graph.Nodes.Select(n => n.Op).OfType<ConvOp>()).ToList();
        Assert.Contains(convs, c => c.Stride > 1);
        Assert.Contains(convs, c => c.Pad > 0);
        Assert.Contains(convs, c => c.Groups > 1);
        Assert.Equal([0, 1, 2, 3], seen.Select(s => s.Item1));
        // Every stream of every network was compared; the inner stalls reach every stream before the output.
        Assert.All(seen, s => Assert.True(s.Item3.StreamsBackpressured >= s.Item3.Streams - 1, $"network {s.Item1}: {s.Item3.StreamsBackpressured} of {s.Item3.Streams} streams backpressured"));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void ACnnWhoseOutputEndsBeforeItsInputIsBitExact()
    {
        // Found by the CNN fuzz: an 8x8 max pool of a 9x10 frame drops row 8 and columns 8-9, so the logits of the
        // last frame left before its last input beats; the harness stopped there and reported "345 of 360 values
        // arrived" on the input. It now runs until every stream has carried every frame.
        var c = NetworkGenerator.Generate(1477866036430354435, out _);
        Assert.Equal([OpKind.Input, OpKind.MaxPool, OpKind.Conv, OpKind.Dense], c.Graph.Nodes.Select(n => n.Op.Kind));
        Assert.Equal(new MaxPoolOp(9, 10, 4, 8), c.Graph.Nodes[1].Op);
        var dir = HdlTestKit.NewTempDir("fuzz-tail");
        var o = new FuzzRunner(E2eFixture.Cache).Run(c, dir);
        Assert.True(o.Passed, $"{o.Kind}: {o.Message}");
        Directory.Delete(dir, true);
    }

    private static HashSet<OpKind> Kinds(FuzzCase c) => c.Graph.Nodes.Select(n => n.Op.Kind).ToHashSet();

    /// <summary>The matrix-vector unit of a dense layer or a conv.</summary>
    private static DenseOp? MatrixOf(IrOp op) => op switch
    {
        DenseOp d => d,
        ConvOp c => c.Mvu,
        _ => null,
    };

    [Fact]
    public void TheSameSeedGivesTheSameNetwork()
    {
        for (long i = 0; i < 20; i++)
        {
            ulong seed = NetworkGenerator.CaseSeed(7, i);
            var a = NetworkGenerator.Generate(seed, out int ra);
            var b = NetworkGenerator.Generate(seed, out int rb);
            Assert.Equal(IrJson.Serialize(a.Graph), IrJson.Serialize(b.Graph));
            Assert.Equal(a.Inputs, b.Inputs);
            Assert.Equal(ra, rb);
        }
        Assert.NotEqual(NetworkGenerator.CaseSeed(7, 0), NetworkGenerator.CaseSeed(7, 1));
        Assert.NotEqual(NetworkGenerator.CaseSeed(7, 0), NetworkGenerator.CaseSeed(8, 0));
    }

    [Fact]
    public void TheGeneratorReachesTheCornersItPromises()
    {
        var cases = Enumerable.Range(0, 400).Select(i => NetworkGenerator.Generate(NetworkGenerator.CaseSeed(99, i), out _)).ToList();
        // Every matrix-vector unit, a dense layer's or a conv's, with the node it reads.
        var layers = cases.SelectMany(c => c.Graph.Nodes.Skip(1).Select((n, l) => (Node: n, D: MatrixOf(n.Op)!, Src: c.Graph.Nodes[l])))
            .Where(l => l.D is not null).ToList();
        foreach (var c in cases) RtlValidator.Check(c.Graph);
        // Every weight family, and more than one width in each.
        foreach (var code in Enum.GetValues<WeightCode>())
            Assert.True(layers.Where(l => l.D.Weight.Code == code).Select(l => l.D.Weight.Bits).Distinct().Count() > 1, $"{code}: fewer than two widths");
        Assert.Contains(layers, l => l.D.Weight.Code == WeightCode.Uniform && l.D.Weight.Bits >= 12);
        // The narrowest POT and POST codes, a sign and a 1-bit index (levels 0, ±alpha).
        Assert.Contains(layers, l => l.D.Weight.Code == WeightCode.Post && l.D.Weight.Bits == 2);
        Assert.Contains(layers, l => l.D.Weight.Code == WeightCode.Pot && l.D.Weight.Bits == 2);
        // Foldings: fully parallel, fully serial and in between, on both axes.
        Assert.Contains(layers, l => l.D.Fold.Simd == l.D.In && l.D.In > 1);
        Assert.Contains(layers, l => l.D.Fold.Pe == l.D.Out && l.D.Out > 1);
        Assert.Contains(layers, l => l.D.Fold.Simd > 1 && l.D.Fold.Simd < l.D.In);
        Assert.Contains(layers, l => l.D.Fold.Pe > 1 && l.D.Fold.Pe < l.D.Out);
        Assert.Contains(layers, l => l.Src.OutLanes != l.D.Fold.Simd);
        // A bias at the extreme: the channel's accumulator bound reaches the top of a signed accumulator width.
        Assert.Contains(layers, l =>
        {
            var bound = AccumulatorBound.PerChannel(l.D.Matrix, l.Src.OutType);
            return Enumerable.Range(0, l.D.Out).Any(c => l.D.Bias[c] != 0 && bound[c] == (1L << (IntType.SignedWidthFor(bound[c]) - 1)) - 1);
        });
        // Requantization extremes: M0 = 0, M0 = 2^MB - 1, k = 1 and the largest shift.
        Assert.Contains(layers, l => l.D.Rq.M0.Contains(0));
        Assert.Contains(layers, l => l.D.Rq.M0.Contains((1L << l.D.Rq.MultiplierBits) - 1));
        Assert.Contains(layers, l => l.D.Rq.Shift.Contains(1));
        Assert.Contains(layers, l => l.D.Rq.Shift.Contains(Math.Min(RequantMath.MaxShift, l.D.AccBits + l.D.Rq.MultiplierBits)) && l.D.AccBits + l.D.Rq.MultiplierBits > 40);
        // Activation widths from 1 to 16 bits, and POST SqrtFracBits at both ends.
        Assert.Contains(layers, l => l.Src.OutType.Width == 1);
        Assert.Contains(cases, c => c.Graph.Nodes.Any(n => n.OutType == IntType.U(16)));
        Assert.Contains(layers, l => l.D.Weight.Code == WeightCode.Post && l.D.SqrtFracBits >= 20);
        Assert.Contains(layers, l => l.D.Weight.Code == WeightCode.Post && l.D.SqrtFracBits <= 2);
        // Dense chains of 1 to 4 layers; inputs at the corners: zeros, all max, both alternations.
        var dense = cases.Where(c => !NetworkGenerator.IsCnn(c.Seed)).ToList();
        Assert.All(dense, c => Assert.All(c.Graph.Nodes.Skip(1), n => Assert.Equal(OpKind.Dense, n.Op.Kind)));
        Assert.Equal([1, 2, 3, 4], dense.Select(c => c.Graph.Nodes.Length - 1).Distinct().Order());
        foreach (var c in cases)
        {
            long max = c.Graph.Nodes[0].OutType.Max;
            Assert.All(c.Inputs[0], v => Assert.Equal(0, v));
            Assert.All(c.Inputs[1], v => Assert.Equal(max, v));
            Assert.Equal(c.Inputs[2].Select((_, i) => i % 2 == 0 ? 0 : max), c.Inputs[2]);
            Assert.Equal(c.Inputs[3].Select((_, i) => i % 2 == 0 ? max : 0), c.Inputs[3]);
        }
    }

    [Fact]
    public void TheGeneratorDrawsCnnsAcrossTheSpatialSpaceTheValidatorsAccept()
    {
        var cases = Enumerable.Range(0, 300).Select(i => NetworkGenerator.CaseSeed(41, i))
            .Where(NetworkGenerator.IsCnn).Select(s => NetworkGenerator.Generate(s, out _)).ToList();
        // About half of the seeds are CNNs.
        Assert.InRange(cases.Count, 120, 180);
        foreach (var c in cases)
        {
            RtlValidator.Check(c.Graph);
            var x = (InputOp)c.Graph.Nodes[0].Op;
            Assert.InRange(x.Height, 1, 10);
            Assert.InRange(x.Width, 1, 10);
            Assert.InRange(c.Graph.Nodes[0].OutSize / (x.Height * x.Width), 1, 4);
            // Spatial layers first, then dense layers ending in the signed logits.
            var kinds = c.Graph.Nodes.Skip(1).Select(n => n.Op.Kind).ToList();
            int firstDense = kinds.IndexOf(OpKind.Dense);
            Assert.InRange(firstDense, 1, 3);
            Assert.All(kinds[firstDense..], k => Assert.Equal(OpKind.Dense, k));
            Assert.True(c.Graph.OutputNode.OutType.Signed);
            Assert.True(CycleModel.InitiationInterval(c.Graph).Cycles <= NetworkGenerator.CycleBudget);
        }
        var nodes = cases.SelectMany(c => c.Graph.Nodes).ToList();
        var convs = nodes.Select(n => n.Op).OfType<ConvOp>().ToList();
        var maxPools = nodes.Select(n => n.Op).OfType<MaxPoolOp>().ToList();
        var avgPools = nodes.Select(n => n.Op).OfType<AvgPoolOp>().ToList();
        // Kernels 1 to 5, strides 1 to 3, every padding below K, a kernel only the padding lets fit.
        Assert.Equal([1, 2, 3, 4, 5], convs.Select(c => c.K).Distinct().Order());
        Assert.Equal([1, 2, 3], convs.Select(c => c.Stride).Distinct().Order());
        Assert.Contains(convs, c => c.Pad == c.K - 1 && c.K > 1);
        Assert.Contains(convs, c => c.Pad > 0 && c.K > Math.Min(c.InH, c.InW));
        // Grouped, depthwise (one and two outputs per input channel), and both folding axes.
        Assert.Contains(convs, c => c.Groups > 1 && c.Groups < c.InC);
        Assert.Contains(convs, c => c.Groups == c.InC && c.OutC == c.InC && c.InC > 1);
        Assert.Contains(convs, c => c.Groups == c.InC && c.OutC == 2 * c.InC && c.InC > 1);
        Assert.Contains(convs, c => c.Mvu.Fold.Simd > 1);
        Assert.Contains(convs, c => c.Mvu.Fold.Pe > 1);
        foreach (var code in Enum.GetValues<WeightCode>()) Assert.Contains(convs, c => c.Mvu.Weight.Code == code);
        // Pools: max windows beyond 2, global and non-global averages, and both after a conv.
        Assert.Contains(maxPools, p => p.K > 2);
        Assert.Contains(avgPools, p => p.KH == p.InH && p.KW == p.InW);
        Assert.Contains(avgPools, p => p.KH != p.KW);
        Assert.Contains(cases, c => c.Graph.Nodes.Zip(c.Graph.Nodes.Skip(1)).Any(p => p.First.Op is ConvOp && p.Second.Op is MaxPoolOp));
        Assert.Contains(cases, c => c.Graph.Nodes.Zip(c.Graph.Nodes.Skip(1)).Any(p => p.First.Op is ConvOp && p.Second.Op is AvgPoolOp));
        // Input beats of several lanes, and spatial layers reading beats of more than one lane.
        Assert.Contains(cases, c => c.Graph.Nodes[0].OutLanes > 1);
        Assert.Contains(cases, c => c.Graph.Nodes.Skip(1).Any(n => n.Op.Kind is OpKind.MaxPool or OpKind.AvgPool && n.OutLanes > 1));
    }

    [Fact]
    public void TheMinimizerShrinksAFakeFailureToOneWeight()
    {
        // A fake bug: "the RTL is wrong whenever some POT or uniform layer has a nonzero weight".
        static bool Fails(FuzzCase c) => c.Graph.Nodes.Skip(1).Select(n => (DenseOp)n.Op)
            .Any(d => d.Weight.Code != WeightCode.Post && d.Weights.Any(w => w != 0));
        var original = Enumerable.Range(0, 200).Select(i => NetworkGenerator.CaseSeed(5, i)).Where(s => !NetworkGenerator.IsCnn(s))
            .Select(s => NetworkGenerator.Generate(s, out _)).First(c => c.Graph.Nodes.Length >= 4 && Fails(c));
        int calls = 0;
        var min = CaseMinimizer.Minimize(original, c => { calls++; return Fails(c); }, budget: 400);
        Assert.True(Fails(min));
        RtlValidator.Check(min.Graph);
        Assert.True(calls <= 400);
        Assert.True(CaseMinimizer.Size(min) < CaseMinimizer.Size(original));
        Assert.Single(min.Inputs);
        Assert.Equal(2, min.Graph.Nodes.Length);
        var d = (DenseOp)min.Graph.Nodes[1].Op;
        Assert.Equal(1, d.Weights.Count(w => w != 0));
        Assert.Equal((1, 1), (d.In, d.Out));
        Assert.All(d.Bias, b => Assert.Equal(0, b));
        Assert.Equal(new Folding(1, 1), d.Fold);
    }

    [Fact]
    public void TheMinimizerShrinksAFakeConvFailureToOneConvWeight()
    {
        // A fake bug: "the RTL is wrong whenever a conv after a pool has a nonzero weight".
        static bool Fails(FuzzCase c) => c.Graph.Nodes.Zip(c.Graph.Nodes.Skip(1))
            .Any(p => p.First.Op.Kind is OpKind.MaxPool or OpKind.AvgPool && p.Second.Op is ConvOp conv && conv.Mvu.Weights.Any(w => w != 0));
        var original = Enumerable.Range(0, 400).Select(i => NetworkGenerator.CaseSeed(5, i)).Where(NetworkGenerator.IsCnn)
            .Select(s => NetworkGenerator.Generate(s, out _)).First(c => c.Graph.Nodes.Length >= 5 && c.Graph.Nodes[1].Op.Kind == OpKind.Conv && Fails(c));
        int calls = 0;
        var min = CaseMinimizer.Minimize(original, c => { calls++; return Fails(c); }, budget: 400);
        Assert.True(Fails(min));
        RtlValidator.Check(min.Graph);
        Assert.True(CaseMinimizer.Size(min) < CaseMinimizer.Size(original));
        Assert.Single(min.Inputs);
        // The conv before the pool went (its golden outputs became the input frame), and every dense layer but one.
        var kinds = min.Graph.Nodes.Select(n => n.Op.Kind).ToArray();
        Assert.True(kinds[1] is OpKind.MaxPool or OpKind.AvgPool && kinds[2] == OpKind.Conv, string.Join(" ", kinds));
        Assert.True(EdgeShape.Of(min.Graph.Nodes[0]).H * EdgeShape.Of(min.Graph.Nodes[0]).W > 1, "the new input is a frame");
        Assert.Single(kinds, OpKind.Dense);
        var conv = (ConvOp)min.Graph.Nodes[2].Op;
        Assert.Equal(1, conv.Mvu.Weights.Count(w => w != 0));
        Assert.All(conv.Mvu.Bias, b => Assert.Equal(0, b));
        Assert.Equal(new Folding(1, 1), conv.Mvu.Fold);
        var fc = (DenseOp)min.Graph.Nodes[^1].Op;
        Assert.All(fc.Weights, w => Assert.Equal(0, w));
        Assert.Equal(1, fc.Out);
    }

    [Fact]
    public void AFailureIsMinimizedAndWrittenWithItsSeed()
    {
        var dir = HdlTestKit.NewTempDir("fuzz-fail");
        var keep = Path.Combine(dir, "failures");
        // A fake check: every network with a layer of more than 2 outputs "mismatches"; nothing runs Verilator.
        static FuzzOutcome Check(FuzzCase c) =>
            c.Graph.Nodes.Skip(1).Any(n => n.OutSize > 2)
                ? new FuzzOutcome(FuzzFailureKind.Mismatch, "fake", 0, c.Graph.Nodes.Length)
                : new FuzzOutcome(FuzzFailureKind.None, "ok", 0, c.Graph.Nodes.Length);
        var summary = new Fuzzer(Path.Combine(dir, "work"), keep) { Check = Check }.Run(3, 6);
        Assert.False(summary.Passed);
        var f = summary.Failures[0];
        Assert.Equal($"quanthdl fuzz --case {f.Case.Seed}", f.Reproduce);
        Assert.Equal(FuzzFailureKind.Mismatch, f.MinimizedOutcome.Kind);
        Assert.Contains(f.Minimized.Graph.Nodes.Skip(1), n => n.OutSize > 2);
        Assert.True(f.Minimized.Graph.Nodes.Skip(1).All(n => n.OutSize <= 5), "halving should bring the failing layer down to 3..5 outputs");
        // The files reproduce the case: the graph reloads equal, the inputs read back, the seed is printed.
        Assert.Equal(f.Dir, Path.Combine(keep, f.Case.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(IrJson.Serialize(f.Case.Graph), IrJson.Serialize(IrJson.Load(Path.Combine(f.Dir!, "ir.json"))));
        Assert.Equal(IrJson.Serialize(f.Minimized.Graph), IrJson.Serialize(IrJson.Load(Path.Combine(f.Dir!, "minimized", "ir.json"))));
        Assert.Equal(f.Minimized.Inputs, VectorWriter.ReadInputs(Path.Combine(f.Dir!, "minimized", "inputs.txt")));
        Assert.Contains(f.Reproduce, File.ReadAllText(Path.Combine(f.Dir!, "failure.txt")));
        // Regenerating from the printed seed gives the same network.
        Assert.Equal(IrJson.Serialize(f.Case.Graph), IrJson.Serialize(NetworkGenerator.Generate(f.Case.Seed, out _).Graph));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void ACnnFailureIsMinimizedWrittenAndRegeneratedFromItsSeed()
    {
        var dir = HdlTestKit.NewTempDir("fuzz-cnn-fail");
        var keep = Path.Combine(dir, "failures");
        // A fake check: every network with a conv of nonzero weights "mismatches"; nothing runs Verilator.
        static FuzzOutcome Check(FuzzCase c) =>
            c.Graph.Nodes.Any(n => n.Op is ConvOp conv && conv.Mvu.Weights.Any(w => w != 0))
                ? new FuzzOutcome(FuzzFailureKind.Mismatch, "fake", 0, c.Graph.Nodes.Length)
                : new FuzzOutcome(FuzzFailureKind.None, "ok", 0, c.Graph.Nodes.Length);
        var summary = new Fuzzer(Path.Combine(dir, "work"), keep) { Check = Check }.Run(20261137, 4);
        // Both CNNs of this run have convs; the dense chains pass.
        Assert.Equal(2, summary.Failures.Count);
        foreach (var f in summary.Failures)
        {
            Assert.True(NetworkGenerator.IsCnn(f.Case.Seed));
            Assert.Equal(FuzzFailureKind.Mismatch, f.MinimizedOutcome.Kind);
            Assert.Contains(f.Minimized.Graph.Nodes, n => n.Op is ConvOp);
            Assert.True(CaseMinimizer.Size(f.Minimized) < CaseMinimizer.Size(f.Case));
            // The files hold the spatial graphs and the frames' inputs; the seed regenerates the CNN.
            Assert.Equal(IrJson.Serialize(f.Case.Graph), IrJson.Serialize(IrJson.Load(Path.Combine(f.Dir!, "ir.json"))));
            Assert.Equal(IrJson.Serialize(f.Minimized.Graph), IrJson.Serialize(IrJson.Load(Path.Combine(f.Dir!, "minimized", "ir.json"))));
            Assert.Equal(f.Case.Inputs, VectorWriter.ReadInputs(Path.Combine(f.Dir!, "inputs.txt")));
            Assert.Equal(f.Minimized.Inputs, VectorWriter.ReadInputs(Path.Combine(f.Dir!, "minimized", "inputs.txt")));
            Assert.Contains(f.Reproduce, File.ReadAllText(Path.Combine(f.Dir!, "failure.txt")));
            var again = NetworkGenerator.Generate(f.Case.Seed, out _);
            Assert.Equal(IrJson.Serialize(f.Case.Graph), IrJson.Serialize(again.Graph));
            Assert.Equal(f.Case.Inputs, again.Inputs);
        }
        Directory.Delete(dir, true);
    }
}
