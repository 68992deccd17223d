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
        var seen = new List<(int, FuzzOutcome)>();
        // The shared cache keeps Verilator's runtime objects between test runs; the networks' builds are removed.
        var summary = new Fuzzer(Path.Combine(dir, "work"), cacheDir: E2eFixture.Cache) { Jobs = 2 }.Run(20261122, 4, (i, _, o) => seen.Add((i, o)));
        Assert.True(summary.Passed, string.Join("\n", summary.Failures.Select(f => $"{f.Reproduce}: {f.Outcome.Kind}: {f.Outcome.Message}")));
        Assert.Equal(4, summary.Networks);
        Assert.Equal([0, 1, 2, 3], seen.Select(s => s.Item1));
        // Every stream of every network was compared; the inner stalls reach every stream before the output.
        Assert.All(seen, s => Assert.True(s.Item2.StreamsBackpressured >= s.Item2.Streams - 1, $"network {s.Item1}: {s.Item2.StreamsBackpressured} of {s.Item2.Streams} streams backpressured"));
        Directory.Delete(dir, true);
    }

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
        var layers = cases.SelectMany(c => c.Graph.Nodes.Skip(1).Select((n, l) => (Node: n, D: (DenseOp)n.Op, Src: c.Graph.Nodes[l]))).ToList();
        foreach (var c in cases) RtlValidator.Check(c.Graph);
        // Every weight family, and more than one width in each.
        foreach (var code in Enum.GetValues<WeightCode>())
            Assert.True(layers.Where(l => l.D.Weight.Code == code).Select(l => l.D.Weight.Bits).Distinct().Count() > 1, $"{code}: fewer than two widths");
        Assert.Contains(layers, l => l.D.Weight.Code == WeightCode.Uniform && l.D.Weight.Bits >= 12);
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
        // 1 to 4 layers; inputs at the corners: zeros, all max, both alternations.
        Assert.Equal([1, 2, 3, 4], cases.Select(c => c.Graph.Nodes.Length - 1).Distinct().Order());
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
    public void TheMinimizerShrinksAFakeFailureToOneWeight()
    {
        // A fake bug: "the RTL is wrong whenever some POT or uniform layer has a nonzero weight".
        static bool Fails(FuzzCase c) => c.Graph.Nodes.Skip(1).Select(n => (DenseOp)n.Op)
            .Any(d => d.Weight.Code != WeightCode.Post && d.Weights.Any(w => w != 0));
        var original = Enumerable.Range(0, 200).Select(i => NetworkGenerator.Generate(NetworkGenerator.CaseSeed(5, i), out _))
            .First(c => c.Graph.Nodes.Length >= 4 && Fails(c));
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
}
