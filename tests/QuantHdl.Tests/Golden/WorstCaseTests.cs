using System.Numerics;
using QuantHdl.Golden;
using QuantHdl.Golden.Kernels;
using QuantHdl.Compiler.Ir;
using QuantHdl.Compiler.Passes;
using QuantHdl.Tests.Reference;
using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Freeze;

namespace QuantHdl.Tests.Golden;

/// <summary>
/// §5 against constructed worst cases and a BigInteger reference: the declared accumulator width is
/// the minimal one for the input that reaches the bound, biases included, and the golden simulator's
/// overflow checks fire when an IR built without the validator declares less.
/// </summary>
public class WorstCaseTests
{
    public static TheoryData<string, int, int, int> Layers => new()
    {
        // spec, input bits, inputs, F
        { "post:4", 8, 16, 8 },
        { "post:3", 4, 12, 8 },
        { "post:7", 4, 8, 4 },   // the widest POST
        { "pot:4", 8, 16, 8 },
        { "pot:6", 8, 16, 8 },   // the widest POT
        { "uniform:8", 8, 16, 8 },
        { "uniform:3", 2, 9, 8 },
    };

    private static (IrNode Node, DenseOp Op, int M, IntType In) Layer(string spec, int actBits, int inputs, int fracBits)
    {
        var w = WeightSpec.Parse(spec);
        var inType = IntType.U(actBits);
        var rng = new Random(QuantHdl.Tests.Hdl.RandomLayers.Seed(spec, actBits, inputs));
        var (op, m) = WorstCaseLayers.Build(rng, inputs, 5, w, inType, fracBits,
            _ => new Requant(Enumerable.Repeat(1L, 5).ToArray(), Enumerable.Repeat(1, 5).ToArray(), long.MinValue / 4, long.MaxValue / 4, 1));
        var src = new IrNode("x", [], new InputOp(), inType, inputs, 1, 1.0);
        var node = new IrNode("fc7", ["x"], op, IntType.S(64), 5, 1, 1.0);
        // The width comes from the pass the compiler runs, not from the test.
        var g = new InferAccumulatorWidths().Run(new IrGraph("wc", [src, node]) { Output = "fc7", Classes = 5 });
        var d = (DenseOp)g.Nodes[1].Op;
        return (g.Nodes[1], d, m, inType);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void TheDeclaredWidthIsTheMinimalOneForTheWorstInput(string spec, int actBits, int inputs, int fracBits)
    {
        var (node, d, m, inType) = Layer(spec, actBits, inputs, fracBits);
        Assert.All(d.Bias, b => Assert.NotEqual(0, b));
        // The reference's worst case of every channel, found by construction over the input box.
        var worst = Enumerable.Range(0, d.Out).Select(c => IntegerReference.WorstCase(d, inType.Max, c)).ToArray();
        var (bound, x) = worst[WorstCaseLayers.Top];
        Assert.Equal(BigInteger.Pow(2, m), bound);
        Assert.All(worst, wc => Assert.True(wc.Bound <= bound));
        Assert.Equal(IntegerReference.SignedBitsFor(bound), d.AccBits);
        Assert.Equal(m + 2, d.AccBits);

        var acc = new DenseKernel(node, inType).Accumulate(x, 0);
        Assert.Equal(IntegerReference.Accumulate(d, x).Select(a => (long)a), acc);
        Assert.Equal((long)bound, acc[WorstCaseLayers.Top]);

        // One bit less cannot hold it: the kernel, built without the validator, says where.
        var narrow = node with { Op = d with { AccBits = d.AccBits - 1 } };
        var e = Assert.Throws<IntegerOverflowException>(() => new DenseKernel(narrow, inType).Accumulate(x, 3));
        Assert.Contains($"layer fc7, sample 3, channel {WorstCaseLayers.Top}: accumulator {bound} leaves s{d.AccBits - 1}", e.Message);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void EveryPerChannelBoundIsTheBiasPlusTheLargestTerms(string spec, int actBits, int inputs, int fracBits)
    {
        var (_, d, _, inType) = Layer(spec, actBits, inputs, fracBits);
        var bounds = AccumulatorBound.PerChannel(d.Matrix, inType);
        for (int c = 0; c < d.Out; c++)
        {
            BigInteger expected = BigInteger.Abs(d.Bias[c]);
            for (int i = 0; i < d.In; i++)
                expected += BigInteger.Abs(IntegerReference.Term(d.Weights[c * d.In + i], inType.Max, d.Weight.Code, d.Weight.Bits, d.SqrtFracBits));
            Assert.Equal(expected, (BigInteger)bounds[c]);
        }
    }

    [Fact]
    public void AFrozenNetworkDeclaresTheReferenceBound()
    {
        // Replaces a check of AccumulatorBound against itself: the bound of §5 from the reference's terms.
        var g = PassPipeline.Run(Freezer.Freeze(TestModels.RandomMlp(2, new WeightSpec(WeightCode.Uniform, 8), 8, 32, 10)), PassPipeline.Default());
        for (int n = 1; n < g.Nodes.Length; n++)
        {
            var d = (DenseOp)g.Nodes[n].Op;
            var inType = g.Nodes[n - 1].OutType;
            BigInteger bound = 0;
            for (int c = 0; c < d.Out; c++)
            {
                BigInteger b = BigInteger.Abs(d.Bias[c]);
                for (int i = 0; i < d.In; i++)
                    b += BigInteger.Abs(IntegerReference.Term(d.Weights[c * d.In + i], inType.Max, d.Weight.Code, d.Weight.Bits, d.SqrtFracBits));
                bound = BigInteger.Max(bound, b);
                Assert.True(IntegerReference.SignedBitsFor(IntegerReference.WorstCase(d, inType.Max, c).Bound) <= d.AccBits);
            }
            Assert.Equal(IntegerReference.SignedBitsFor(bound), d.AccBits);
        }
    }

    private static (IrNode Node, IntType In) Small(long[] m0, long lo, long hi, IntType outType, int multiplierBits = 4)
    {
        var w = WeightSpec.Parse("uniform:4");
        var d = new DenseOp(2, 2, w, 8, [7, -8, 3, 5], [1, -1], new Requant(m0, [1, 1], lo, hi, multiplierBits), 10, new Folding(1, 1));
        return (new IrNode("fc3", ["x"], d, outType, 2, 1, 1.0), IntType.U(4));
    }

    [Fact]
    public void AProductBeyondItsWidthIsCaughtNamingTheChannel()
    {
        // M0 = 2^20 does not fit the declared 4 multiplier bits; only an IR that skipped the validator has it.
        var (node, inType) = Small([1, 1L << 20], -32768, 32767, IntType.S(16));
        var e = Assert.Throws<IntegerOverflowException>(() => new DenseKernel(node, inType).Run([15, 15], 9));
        // acc_1 = -1 + 3*15 + 5*15 = 119; 119 * 2^20 needs 28 bits, the product type is s15.
        Assert.Contains($"layer fc3, sample 9, channel 1: requant product {119L << 20} leaves s15", e.Message);
    }

    [Fact]
    public void AnOutputBeyondItsTypeIsCaughtNamingTheChannel()
    {
        // The clamp allows 300 on a u8 edge.
        var (node, inType) = Small([15, 15], 0, 300, IntType.U(8));
        var e = Assert.Throws<IntegerOverflowException>(() => new DenseKernel(node, inType).Run([15, 0], 4));
        // acc_0 = 1 + 7*15 = 106; (106*15 + 1) >> 1 = 795, clamped to 300.
        Assert.Contains("layer fc3, sample 4, channel 0: output 300 leaves u8", e.Message);
    }

    [Fact]
    public void AnInputBeyondItsTypeIsCaughtNamingTheLayer()
    {
        var (node, inType) = Small([1, 1], -32768, 32767, IntType.S(16));
        var e = Assert.Throws<IntegerOverflowException>(() => new DenseKernel(node, inType).Accumulate([16, 0], 2));
        Assert.Contains("layer fc3, sample 2: input 16 does not fit u4", e.Message);
    }

    [Fact]
    public void ABiasBeyondTheAccumulatorIsCaughtBeforeAnyTerm()
    {
        var (node, inType) = Small([1, 1], -32768, 32767, IntType.S(16));
        var d = (DenseOp)node.Op;
        var bad = node with { Op = d with { Bias = [600, -1] } };
        var e = Assert.Throws<IntegerOverflowException>(() => new DenseKernel(bad, inType).Accumulate([0, 0], 1));
        Assert.Contains("layer fc3, sample 1, channel 0: accumulator 600 leaves s10", e.Message);
    }
}
