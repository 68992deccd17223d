using System.Numerics;
using QuantHdl.Golden;
using QuantHdl.Hardware;
using QuantHdl.Compiler.Ir;
using QuantHdl.Tests.Hdl;
using QuantHdl.Tests.Reference;
using QuantHdl.Verification.Verilator;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Verify;

/// <summary>
/// §5 in the RTL: a graph whose layers reach their accumulator bound exactly (biases included) at the
/// widest supported codes, pot:6 then post:7, run through Verilator with and without stalls. The
/// all-max input drives every fc1 channel to 2^m1, so every fc2 input is at its maximum and fc2's top
/// channel reaches 2^m2: an accumulator or adder tree one bit short would wrap and change the output.
/// </summary>
public sealed class WorstCaseVerilatorTests
{
    [Fact]
    public void TheBoundIsReachedBitExactlyInTheRtl()
    {
        var u8 = IntType.U(8);
        var u4 = IntType.U(4);
        var s16 = IntType.S(16);
        var rng = new Random(RandomLayers.Seed("worst-case-rtl"));

        // fc1, pot:6 on 16 inputs: every channel is the worst case; k = m1 - 4 maps 2^m1 to 16, clamped to 15.
        var (d1, m1) = WorstCaseLayers.Build(rng, 16, 8, WeightSpec.Parse("pot:6"), u8, 8,
            m => new Requant(Enumerable.Repeat(1L, 8).ToArray(), Enumerable.Repeat(m - 4, 8).ToArray(), 0, u4.Max, 16));
        d1 = d1 with
        {
            Weights = Enumerable.Range(0, 16 * 8).Select(_ => WorstCaseLayers.TopCode(d1.Weight)).ToArray(),
            Bias = Enumerable.Repeat(d1.Bias[WorstCaseLayers.Top], 8).ToArray(),
            Fold = new Folding(4, 2),
        };
        d1 = d1 with { AccBits = AccumulatorBound.RequiredBits(d1.Matrix, u8) };
        // fc2, post:7 with F = 4 on 8 inputs of 4 bits: the top channel reaches 2^m2, mapped to 2^14.
        var (d2, m2) = WorstCaseLayers.Build(rng, 8, 4, WeightSpec.Parse("post:7"), u4, 4,
            m => new Requant([1, 1, 1, 1], [m - 14, m - 14, m - 14, m - 14], s16.Min, s16.Max, 16));
        d2 = d2 with { Fold = new Folding(2, 2) };
        d2 = d2 with { AccBits = AccumulatorBound.RequiredBits(d2.Matrix, u4) };
        Assert.Equal(m1 + 2, d1.AccBits);
        Assert.Equal(m2 + 2, d2.AccBits);

        var g = new IrGraph("worst_case", [
            new IrNode("x", [], new InputOp(), u8, 16, 4, 1.0 / 255),
            new IrNode("fc1", ["x"], d1, u4, 8, 2, 1.0),
            new IrNode("fc2", ["fc1"], d2, s16, 4, 2, 1.0),
        ]) { Output = "fc2", Classes = 4 };
        IrValidator.Check(g);
        var inputs = RandomLayers.Inputs(rng, 12, 16, u8);
        var allMax = inputs[1];
        Assert.All(allMax, v => Assert.Equal(255, v));

        // The reference first: the all-max input reaches both bounds.
        var acc1 = IntegerReference.Accumulate(d1, allMax);
        Assert.All(acc1, a => Assert.Equal(BigInteger.Pow(2, m1), a));
        var y1 = IntegerReference.Dense(d1, allMax);
        Assert.All(y1, v => Assert.Equal(15, v));
        Assert.Equal(BigInteger.Pow(2, m2), IntegerReference.Accumulate(d2, y1)[WorstCaseLayers.Top]);
        var reference = IntegerReference.Run(g, allMax);
        Assert.Equal(1 << 14, reference[2][WorstCaseLayers.Top]);
        foreach (var x in inputs) Assert.Equal(IntegerReference.Run(g, x), GoldenSimulator.Run(g, x));

        var dir = HdlTestKit.NewTempDir("worst-case");
        try
        {
            var design = RtlEmitter.Emit(g, Path.Combine(dir, "rtl"));
            var r = new VerilatorVerifier(E2eFixture.Cache).Verify(g, design, inputs, Path.Combine(dir, "verify"),
                new VerifyOptions { InStall = 0.4, OutStall = 0.6, StallSeed = 3 }, null);
            r.EnsurePassed();
            Assert.Equal(inputs.Length, r.NoStall.BitExact);
            Assert.Equal(inputs.Length, r.Stall!.BitExact);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
