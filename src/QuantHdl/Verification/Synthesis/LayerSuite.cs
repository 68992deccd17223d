using System.Globalization;
using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Ir;

namespace QuantHdl.Verification.Synthesis;

/// <summary>
/// One layer of the calibration suite (docs/estimation.md "Calibration"): a dense layer of <paramref name="In"/>
/// unsigned <paramref name="ActBits"/>-bit inputs and <paramref name="Out"/> unsigned <paramref name="OutBits"/>-bit
/// outputs (a ReLU layer feeding the next), <paramref name="Weight"/> codes, folded <paramref name="Simd"/> x
/// <paramref name="Pe"/>, with random weights, biases and requant parameters drawn from <paramref name="Seed"/>.
/// </summary>
public sealed record LayerConfig(string Name, int In, int Out, WeightSpec Weight, int ActBits, int OutBits, int Simd, int Pe, int Seed = 1)
{
    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name}: {Weight} A{ActBits} {In}->{Out} SIMD {Simd} x PE {Pe}");
}

/// <summary>
/// The layer configurations the estimator is calibrated and checked on, and the graph each is emitted from: the
/// layer (node <c>fc</c>) behind an input stream of SIMD lanes, followed by a small signed logit layer so that the
/// graph is a valid network. Only node <c>fc</c> is synthesized.
/// </summary>
public static class LayerSuite
{
    /// <summary>The name of the layer under test in every suite graph.</summary>
    public const string LayerNode = "fc";

    /// <summary>
    /// The full suite: weight widths 2-8 (POT to 6, POST to 7, the widest each code holds), activation widths 2-8,
    /// all three codes, and foldings from fully serial to fully parallel, including ROMs deep enough for BRAM.
    /// </summary>
    public static IReadOnlyList<LayerConfig> Full { get; } =
    [
        new("u2a2", 32, 16, W("uniform:2"), 2, 2, 4, 4),
        new("u2a8", 32, 16, W("uniform:2"), 8, 8, 4, 2),
        new("u3a6", 48, 12, W("uniform:3"), 6, 6, 8, 3),
        new("u4a4", 32, 16, W("uniform:4"), 4, 4, 8, 2),
        new("u4a8", 64, 16, W("uniform:4"), 8, 8, 4, 4),
        new("u6a3", 48, 12, W("uniform:6"), 3, 3, 4, 2),
        new("u8a8", 32, 16, W("uniform:8"), 8, 8, 2, 2),
        new("u8a4-bram", 256, 64, W("uniform:8"), 4, 4, 2, 1),
        new("u4a4-par", 16, 4, W("uniform:4"), 4, 4, 16, 4),
        new("p3a4", 32, 16, W("pot:3"), 4, 4, 4, 4),
        new("p4a4", 32, 16, W("pot:4"), 4, 4, 8, 2),
        new("p4a8", 64, 16, W("pot:4"), 8, 8, 4, 4),
        new("p5a6", 32, 8, W("pot:5"), 6, 6, 4, 2),
        new("p6a3", 24, 12, W("pot:6"), 3, 3, 2, 3),
        new("p3a8-ser", 64, 32, W("pot:3"), 8, 8, 1, 1),
        new("s3a4", 32, 16, W("post:3"), 4, 4, 4, 4),
        new("s4a4", 32, 16, W("post:4"), 4, 4, 8, 2),
        new("s4a8", 64, 16, W("post:4"), 8, 8, 4, 4),
        new("s5a5", 40, 10, W("post:5"), 5, 5, 4, 2),
        new("s6a3", 24, 12, W("post:6"), 3, 3, 2, 3),
        new("s7a2", 32, 8, W("post:7"), 2, 2, 4, 2),
        new("s4a6-par", 16, 8, W("post:4"), 6, 6, 16, 8),
        new("s4a4-bram", 256, 64, W("post:4"), 4, 4, 2, 1),
        new("p4a2-wide", 64, 32, W("pot:4"), 2, 2, 8, 8),
        // The demo's fc1: a shallow (784-word) but wide (256-bit) weight ROM, which Yosys puts in RAMB18s.
        new("s4a4-demo-fc1", 784, 64, W("post:4"), 4, 4, 16, 4),
    ];

    /// <summary>The subset the test suite pins (small layers, one per code, seconds of Yosys each).</summary>
    public static IReadOnlyList<LayerConfig> Pinned { get; } =
    [
        new("t-u3a3", 8, 4, W("uniform:3"), 3, 3, 2, 2),
        new("t-p3a3", 8, 4, W("pot:3"), 3, 3, 2, 2),
        new("t-s3a3", 8, 4, W("post:3"), 3, 3, 2, 2),
    ];

    private static WeightSpec W(string s) => WeightSpec.Parse(s);

    /// <summary>The graph of one configuration: x -> fc (the layer) -> head (fc's outputs to 2 signed 16-bit logits).</summary>
    public static IrGraph Graph(LayerConfig c, int sqrtFracBits = 8, int multiplierBits = 16)
    {
        var rng = new Random(c.Seed * 7919 + c.Name.Length * 31 + c.In * 3 + c.Out);
        var input = new IrNode("x", [], new InputOp(), IntType.U(c.ActBits), c.In, c.Simd, 1.0);
        var fc = Dense(rng, LayerNode, "x", c.In, c.Out, c.Weight, IntType.U(c.ActBits), IntType.U(c.OutBits), 0, (1L << c.OutBits) - 1,
            new Folding(c.Simd, c.Pe), sqrtFracBits, multiplierBits);
        var head = Dense(rng, "head", LayerNode, c.Out, 2, WeightSpec.Parse("uniform:2"), IntType.U(c.OutBits), IntType.S(16), -32768, 32767,
            new Folding(1, 1), sqrtFracBits, multiplierBits);
        return new IrGraph("suite_" + c.Name.Replace('-', '_'), [input, fc, head]) { Output = "head", Classes = 2 };
    }

    private static IrNode Dense(Random rng, string name, string src, int inSize, int outSize, WeightSpec w, IntType inType, IntType outType,
        long lo, long hi, Folding fold, int fracBits, int multiplierBits)
    {
        var weights = new int[inSize * outSize];
        for (int i = 0; i < weights.Length; i++) weights[i] = RandomCode(rng, w);
        var probe = new DenseOp(inSize, outSize, w, fracBits, weights, new long[outSize],
            new Requant(new long[outSize], Enumerable.Repeat(1, outSize).ToArray(), lo, hi, multiplierBits), 64, fold);
        var bounds = AccumulatorBound.PerChannel(probe.Matrix, inType);
        var bias = new long[outSize];
        for (int c = 0; c < outSize; c++) bias[c] = rng.NextInt64(-Math.Max(1, bounds[c] / 4), Math.Max(1, bounds[c] / 4) + 1);
        probe = probe with { Bias = bias };
        int accBits = AccumulatorBound.RequiredBits(probe.Matrix, inType);
        var m0 = new long[outSize];
        var k = new int[outSize];
        for (int c = 0; c < outSize; c++)
        {
            m0[c] = rng.NextInt64(1L << (multiplierBits - 2), 1L << multiplierBits);
            k[c] = Math.Min(RequantMath.MaxShift, accBits + multiplierBits - outType.Width + rng.Next(0, 3));
        }
        var d = probe with { AccBits = accBits, Rq = new Requant(m0, k, lo, hi, multiplierBits) };
        return new IrNode(name, [src], d, outType, outSize, fold.Pe, 1.0);
    }

    private static int RandomCode(Random rng, WeightSpec w)
    {
        if (w.Code == WeightCode.Uniform) return rng.Next(-(1 << (w.Bits - 1)), 1 << (w.Bits - 1));
        int e = rng.Next(0, 1 << (w.Bits - 1));
        int s = e == 0 ? 0 : rng.Next(2);
        return (s << (w.Bits - 1)) | e;
    }
}
