using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Hdl;

/// <summary>
/// Random dense layers and graphs for the hardware tests: random codes, biases and requant parameters,
/// the accumulator exactly as wide as its bound (§5), and a few channels at the extremes of M0 and k.
/// </summary>
internal static class RandomLayers
{
    public static DenseOp Dense(Random rng, string name, int inSize, int outSize, WeightSpec w, IntType inType, IntType outType,
        long lo, long hi, Folding fold, int fracBits = 8, int multiplierBits = 16, Func<int, int>? code = null)
    {
        // code(i), when given, is weight i's code; the rest of the layer is drawn as usual.
        var weights = new int[inSize * outSize];
        for (int i = 0; i < weights.Length; i++) weights[i] = code is null ? RandomCode(rng, w) : code(i);
        var bias = new long[outSize];
        var probe = new DenseOp(inSize, outSize, w, fracBits, weights, bias, new Requant(new long[outSize], Enumerable.Repeat(1, outSize).ToArray(), lo, hi, multiplierBits), 64, fold);
        var bounds = AccumulatorBound.PerChannel(probe.Matrix, inType);
        for (int c = 0; c < outSize; c++)
            bias[c] = rng.NextInt64(-Math.Max(1, bounds[c] / 4), Math.Max(1, bounds[c] / 4) + 1);
        probe = probe with { Bias = bias };
        int accBits = AccumulatorBound.RequiredBits(probe.Matrix, inType);

        var m0 = new long[outSize];
        var k = new int[outSize];
        var table = w.Code == WeightCode.Post ? WeightArithmetic.SqrtHalfTable(inType.Width, fracBits) : null;
        for (int c = 0; c < outSize; c++)
        {
            // A random-sign sum grows like the root of the summed squares: map about twice that onto
            // the output range, so most outputs land inside it and a few clamp.
            double sq = 0;
            for (int i = 0; i < inSize; i++)
            {
                double t = WeightArithmetic.Term(weights[c * inSize + i], inType.Max, w, fracBits, table);
                sq += t * t;
            }
            double typical = Math.Max(1, Math.Sqrt(sq) / 2 + Math.Abs(bias[c]));
            double m = Math.Max(Math.Abs(hi), Math.Abs(lo)) / (2 * typical) * (0.5 + rng.NextDouble());
            (m0[c], k[c]) = RequantMath.Choose(m, multiplierBits, name);
        }
        // Extremes: the largest multiplier with the smallest shift (saturates), the largest shift, M0 = 0.
        m0[0] = (1L << multiplierBits) - 1;
        k[0] = 1;
        // The largest shift the IR allows (§4): the golden simulator checks only that acc*M0 fits
        // P = AccBits + MB + 1 bits, and for k >= P both it and hdl/requant.v give exactly 0 (§5).
        if (outSize > 1) k[1] = RequantMath.MaxShift;
        // The last shift below P: the rounding constant 2^(P-2) is the largest that the P-bit sum must hold.
        if (outSize >= 8) k[3] = Math.Min(RequantMath.MaxShift, RequantMath.ProductBits(accBits, multiplierBits) - 1);
        if (outSize > 2) m0[2] = 0;
        return probe with { AccBits = accBits, Rq = new Requant(m0, k, lo, hi, multiplierBits) };
    }

    /// <summary>A seed that is the same in every process (string.GetHashCode and HashCode are not).</summary>
    public static int Seed(params object[] parts)
    {
        uint h = 2166136261;
        foreach (char ch in string.Join('|', parts))
            h = (h ^ ch) * 16777619;
        return (int)(h & 0x7fffffff);
    }

    public static int RandomCode(Random rng, WeightSpec w)
    {
        if (w.Code == WeightCode.Uniform) return rng.Next(-(1 << (w.Bits - 1)), 1 << (w.Bits - 1));
        int e = rng.Next(0, 1 << (w.Bits - 1));
        int s = e == 0 ? 0 : rng.Next(2);
        return (s << (w.Bits - 1)) | e;
    }

    /// <summary>Random activations with an all-zero and an all-max vector first.</summary>
    public static long[][] Inputs(Random rng, int count, int size, IntType type)
    {
        var xs = new long[count][];
        for (int n = 0; n < count; n++)
        {
            xs[n] = new long[size];
            for (int i = 0; i < size; i++)
                xs[n][i] = n == 0 ? 0 : n == 1 ? type.Max : rng.NextInt64(0, type.Max + 1);
        }
        return xs;
    }
}
