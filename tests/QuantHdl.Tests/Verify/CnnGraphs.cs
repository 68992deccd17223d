using QuantHdl.Compiler.Ir;
using QuantHdl.Tests.Hdl;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Verify;

/// <summary>Random small CNN graphs with exact accumulator widths, for the golden and end-to-end tests.</summary>
internal static class CnnGraphs
{
    /// <summary>A conv node over <paramref name="src"/>: random codes, zero codes outside each group, bias and requant from <see cref="RandomLayers"/>.</summary>
    public static IrNode Conv(Random rng, string name, IrNode src, int outC, int k, int stride, int pad, int groups, WeightSpec w,
        IntType outType, long lo, long hi, Folding fold, int fracBits = 8)
    {
        var s = EdgeShape.Of(src);
        int len = k * k * s.C;
        var d = RandomLayers.Dense(rng, name, len, outC, w, src.OutType, outType, lo, hi, fold, fracBits);
        var op = new ConvOp(s.H, s.W, s.C, k, stride, pad, groups, d);
        var weights = (int[])d.Weights.Clone();
        for (int o = 0; o < outC; o++)
            for (int i = 0; i < len; i++)
                if (!op.InGroup(o, i % s.C)) weights[o * len + i] = 0;
        d = d with { Weights = weights };
        d = d with { AccBits = AccumulatorBound.RequiredBits(d.Matrix, src.OutType) };
        op = op with { Mvu = d };
        return new IrNode(name, [src.Name], op, outType, op.OutH * op.OutW * outC, fold.Pe, 1.0);
    }

    /// <summary>A max pool of <paramref name="src"/>.</summary>
    public static IrNode MaxPool(string name, IrNode src, int k)
    {
        var s = EdgeShape.Of(src);
        return new IrNode(name, [src.Name], new MaxPoolOp(s.H, s.W, s.C, k), src.OutType, (s.H / k) * (s.W / k) * s.C, src.OutLanes, 1.0);
    }

    /// <summary>An average pool (global when kh = H and kw = W) with a requantization close to 1/(kh*kw).</summary>
    public static IrNode AvgPool(Random rng, string name, IrNode src, int kh, int kw, IntType outType)
    {
        var s = EdgeShape.Of(src);
        long maxSum = (long)kh * kw * src.OutType.Max;
        int sumBits = 64 - (int)long.LeadingZeroCount(maxSum);
        var (m0, shift) = RequantMath.Choose((0.8 + 0.6 * rng.NextDouble()) / (kh * kw) * (outType.Max + 1.0) / (src.OutType.Max + 1.0), 16, name);
        return new IrNode(name, [src.Name], new AvgPoolOp(s.H, s.W, s.C, kh, kw, m0, shift, 16, sumBits), outType, (s.H / kh) * (s.W / kw) * s.C, src.OutLanes, 1.0);
    }

    /// <summary>A spatial input node.</summary>
    public static IrNode Input(int h, int w, int c, int lanes) =>
        new("x", [], new InputOp(h, w), IntType.U(8), h * w * c, lanes, 1.0 / 255);

    /// <summary>
    /// x u8 [8x8x2] -> conv1 (c4k3p1, SIMD 2 x PE 2, u4) -> pool1 (max 2) -> conv2 (c4k3s2p1g2, SIMD 1 x PE 4, u4)
    /// -> gap1 (u4) -> fc1 (4 -> 3 logits, s16).
    /// </summary>
    public static IrGraph Small(WeightSpec w, int seed)
    {
        var rng = new Random(seed);
        var u4 = IntType.U(4);
        var s16 = IntType.S(16);
        var x = Input(8, 8, 2, 2);
        var c1 = Conv(rng, "conv1", x, 4, 3, 1, 1, 1, w, u4, 0, u4.Max, new Folding(2, 2));
        var p1 = MaxPool("pool1", c1, 2);
        var c2 = Conv(rng, "conv2", p1, 4, 3, 2, 1, 2, w, u4, 0, u4.Max, new Folding(1, 4));
        var g1 = AvgPool(rng, "gap1", c2, 2, 2, u4);
        var fc = new IrNode("fc1", ["gap1"], RandomLayers.Dense(rng, "fc1", 4, 3, w, u4, s16, s16.Min, s16.Max, new Folding(2, 3)), s16, 3, 3, 1.0);
        var g = new IrGraph($"cnn_{w.Code.ToString().ToLowerInvariant()}", [x, c1, p1, c2, g1, fc]) { Output = "fc1", Classes = 3 };
        IrValidator.Check(g);
        return g;
    }
}
