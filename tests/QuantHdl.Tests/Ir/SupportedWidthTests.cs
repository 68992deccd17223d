using System.Numerics;
using QuantHdl.Compiler.Freeze;
using QuantHdl.Golden;
using QuantHdl.Golden.Kernels;
using QuantHdl.Compiler.Ir;
using QuantHdl.Models;
using QuantHdl.Quantization;
using QuantHdl.Tests.Hdl;
using QuantHdl.Tests.Reference;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Ir;

/// <summary>
/// Issue 5 finding 3: which POT/POST widths are supported follows from §5 (a requant product of at
/// most 64 bits), everything wider is refused up front with the reason, and what is supported is
/// computed exactly (no term wraps).
/// </summary>
public class SupportedWidthTests
{
    /// <summary>
    /// The arithmetic written out by hand: the most favourable layer has one input of one bit (x = 1),
    /// F = 1 and a 1-bit multiplier, so its only term is 2^shift and its product needs
    /// (shift + 2) + 1 + 1 bits.
    /// </summary>
    private static bool FitsAnyLayer(WeightCode code, int bits)
    {
        int bigJ = (1 << (bits - 1)) - 2;
        BigInteger term = code switch
        {
            WeightCode.Uniform => BigInteger.Pow(2, bits - 1),
            WeightCode.Pot => BigInteger.Pow(2, bigJ),
            _ => BigInteger.Pow(2, 1 + bigJ / 2),
        };
        return IntegerReference.SignedBitsFor(term) + 1 + 1 <= 64;
    }

    [Theory]
    [InlineData(WeightCode.Pot, 6)]
    [InlineData(WeightCode.Post, 7)]
    [InlineData(WeightCode.Uniform, 16)]
    public void TheSupportedRangeIsWhatTheArithmeticHolds(WeightCode code, int max)
    {
        Assert.Equal(max, WeightSpec.MaxBits(code));
        for (int b = WeightSpec.MinBits(code); b <= 16; b++)
            Assert.Equal(FitsAnyLayer(code, b), b <= WeightSpec.MaxBits(code));
        string kind = code.ToString().ToLowerInvariant();
        Assert.Equal(new WeightSpec(code, max), WeightSpec.Parse($"{kind}:{max}"));
    }

    [Theory]
    [InlineData("pot:7", "pot takes 2..6 bits", "shifts by up to 62", "66-bit requant product")]
    [InlineData("pot:8", "pot takes 2..6 bits", "shifts by up to 126", "130-bit requant product")]
    [InlineData("pot:16", "pot takes 2..6 bits", "shifts by up to 32766", "max is 64")]
    [InlineData("post:8", "post takes 2..7 bits", "shifts by up to 64", "68-bit requant product")]
    [InlineData("post:16", "post takes 2..7 bits", "shifts by up to 16384", "max is 64")]
    [InlineData("uniform:17", "uniform takes 2..16 bits", "", "")]
    [InlineData("pot:1", "pot takes 2..6 bits", "", "")]
    public void TheCliRefusesWidthsNoLayerCanHold(string text, string range, string why, string need)
    {
        var e = Assert.Throws<ArgumentException>(() => WeightSpec.Parse(text));
        Assert.Contains($"weight bits {text.Split(':')[1]} in '{text}' are out of range", e.Message);
        Assert.Contains(range, e.Message);
        Assert.Contains(why, e.Message);
        Assert.Contains(need, e.Message);
    }

    private static IrGraph OneLayer(WeightSpec w, int[] codes, int inputs, IntType inType, int fracBits = 8, int accBits = 40, int mb = 16)
    {
        var x = new IrNode("x", [], new InputOp(), inType, inputs, 1, 1.0);
        var d = new DenseOp(inputs, 1, w, fracBits, codes, [0], new Requant([1], [1], -32768, 32767, mb), accBits, new Folding(1, 1));
        return new IrGraph("g", [x, new IrNode("fc1", ["x"], d, IntType.S(16), 1, 1, 1.0)]) { Output = "fc1", Classes = 1 };
    }

    [Fact]
    public void AHandEditedPot8IrIsRefusedInsteadOfWrapping()
    {
        // Code 62 is j = 61: x << (126 - 61) = x << 65, which C# computes as x << 1.
        var g = OneLayer(new WeightSpec(WeightCode.Pot, 8), [62], 1, IntType.U(8));
        var e = Assert.Throws<IrException>(() => IrJson.Deserialize(IrJson.Serialize(g)));
        Assert.Contains("layer fc1: weight bits 8 out of range 2..6 for Pot", e.Message);
        Assert.Throws<IrException>(() => new GoldenSimulator(g));
        // Bypassing the validator, the term itself refuses to wrap.
        Assert.Throws<OverflowException>(() => WeightArithmetic.Term(62, 1, new WeightSpec(WeightCode.Pot, 8), 8, null));
    }

    [Theory]
    [InlineData(WeightCode.Pot, 7)]
    [InlineData(WeightCode.Pot, 8)]
    public void Pot7And8WithCodeOneAreRefusedNotAnOverflowCrash(WeightCode code, int bits)
    {
        var g = OneLayer(new WeightSpec(code, bits), [1], 1, IntType.U(8));
        var e = Assert.Throws<IrException>(() => IrValidator.Check(g));
        Assert.Contains("layer fc1", e.Message);
        Assert.Throws<OverflowException>(() => AccumulatorBound.PerChannel(((DenseOp)g.Nodes[1].Op).Matrix, IntType.U(8)));
    }

    [Fact]
    public void ALayerTooLargeForItsCodeIsRefusedNamingTheBitsAndTheWayOut()
    {
        // pot:6 on 784 inputs of 8 bits: 784 * 255 * 2^30 needs 48 bits, so a 49-bit accumulator and a 66-bit product.
        BigInteger worst = 784 * BigInteger.Pow(2, 30) * 255;
        int acc = IntegerReference.SignedBitsFor(worst);
        Assert.Equal(49, acc);
        var g = OneLayer(new WeightSpec(WeightCode.Pot, 6), new int[784], 784, IntType.U(8));
        var e = Assert.Throws<IrException>(() => IrValidator.Check(g));
        Assert.Equal($"layer fc1: pot:6 weights on 784 inputs of 8-bit activations can need a {acc}-bit accumulator, " +
                     $"and its requant product {acc + 17} bits ({acc} + 16 multiplier bits + 1), max is 64; " +
                     "use pot:5 or fewer weight bits, fewer activation bits or fewer inputs", e.Message);
        // The same layer with 4-bit activations fits: 784 * 15 * 2^30 needs 44 bits.
        var ok = OneLayer(new WeightSpec(WeightCode.Pot, 6), new int[784], 784, IntType.U(4), accBits: 40);
        IrValidator.Check(ok);
    }

    [Fact]
    public void TheFreezerNamesTheWidthNotADegenerateScale()
    {
        var src = TestModels.RandomMlp(1, new WeightSpec(WeightCode.Pot, 6), 4, 784, 16, 10);
        var e = Assert.Throws<IrException>(() => Freezer.Freeze(src));
        Assert.StartsWith("layer fc1: pot:6 weights on 784 inputs of 8-bit activations can need a 49-bit accumulator", e.Message);
        Assert.DoesNotContain("degenerate", e.Message);
    }

    [Theory]
    [InlineData("mlp:784-64-10", "pot:6", 4, "layer fc1: pot:6 weights on 784 inputs of 8-bit activations", "use pot:5")]
    [InlineData("mlp:784-64-10", "post:7", 4, "layer fc1: post:7 weights on 784 inputs of 8-bit activations", "use post:6")]
    [InlineData("mlp:16-64-10", "pot:6", 16, "layer fc2: pot:6 weights on 64 inputs of 16-bit activations", "use pot:5")]
    public void QatRefusesBeforeTraining(string model, string spec, int actBits, string where, string wayOut)
    {
        var fp = TestModels.MlpGraph(model, 1);
        var e = Assert.Throws<ArgumentException>(() => new QuantGraph(fp, WeightSpec.Parse(spec), new ActivationSpec(actBits)));
        Assert.StartsWith(where, e.Message);
        Assert.Contains(wayOut, e.Message);
    }

    [Fact]
    public void TheWidestSupportedCodesMatchTheReferenceAtTheirLargestShift()
    {
        // pot:6 (shift 30) and post:7 (shift 31 + F) on small layers: every term exact, at x = xMax too.
        foreach (var (spec, a, inputs, f) in new[] { ("pot:6", 8, 16, 8), ("post:7", 4, 8, 4), ("post:7", 2, 4, 8) })
        {
            var w = WeightSpec.Parse(spec);
            var inType = IntType.U(a);
            var rng = new Random(RandomLayers.Seed(spec, a));
            var d = RandomLayers.Dense(rng, "fc1", inputs, 6, w, inType, IntType.S(16), -32768, 32767, new Folding(1, 1), f);
            // Every largest-magnitude code at least once, in both signs.
            d.Weights[0] = 1;
            d.Weights[1] = (1 << (w.Bits - 1)) | 1;
            d = d with { AccBits = AccumulatorBound.RequiredBits(d.Matrix, inType) };
            var g = new IrGraph("g", [new IrNode("x", [], new InputOp(), inType, inputs, 1, 1.0),
                                      new IrNode("fc1", ["x"], d, IntType.S(16), 6, 1, 1.0)]) { Output = "fc1", Classes = 6 };
            var sim = new GoldenSimulator(g);
            foreach (var x in RandomLayers.Inputs(rng, 20, inputs, inType))
            {
                Assert.Equal(IntegerReference.Run(g, x)[1], sim.Run(x, 0)[1]);
                var acc = new DenseKernel(g.Nodes[1], inType).Accumulate(x, 0);
                Assert.Equal(IntegerReference.Accumulate(d, x).Select(v => (long)v), acc);
            }
        }
    }
}
