using System.Numerics;
using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Reference;

/// <summary>
/// Dense layers built so that one channel reaches the §5 bound exactly, with every bias non-zero.
/// Channel <see cref="Top"/> has every weight at the largest positive magnitude and the bias
/// 2^m - S, S being its summed terms at x = xMax and m = bitlength(S): the all-max input makes its
/// accumulator exactly 2^m, which needs m + 2 signed bits, while S alone needs only m + 1. So a bound
/// that drops |B_c| is one bit short. The other channels have smaller weights and biases, so Top has
/// the largest bound.
/// </summary>
internal static class WorstCaseLayers
{
    public const int Top = 0;

    /// <summary>The largest positive magnitude code: 2^(b-1) - 1 (uniform) or e = 1, j = 0 (POT/POST).</summary>
    public static int TopCode(WeightSpec w) => w.Code == WeightCode.Uniform ? (1 << (w.Bits - 1)) - 1 : 1;

    /// <summary>
    /// The layer with AccBits left 0 (the caller sets it from the code under test) and the given
    /// requantization. Returns the layer and m (the top channel reaches 2^m).
    /// </summary>
    public static (DenseOp Op, int M) Build(Random rng, int inSize, int outSize, WeightSpec w, IntType inType, int fracBits, Func<int, Requant> rq)
    {
        var weights = new int[inSize * outSize];
        var bias = new long[outSize];
        BigInteger S = 0;
        for (int i = 0; i < inSize; i++)
        {
            weights[Top * inSize + i] = TopCode(w);
            S += IntegerReference.Term(TopCode(w), inType.Max, w.Code, w.Bits, fracBits);
        }
        int m = (int)S.GetBitLength();
        bias[Top] = (long)(BigInteger.Pow(2, m) - S);
        for (int c = 0; c < outSize; c++)
        {
            if (c == Top) continue;
            for (int i = 0; i < inSize; i++) weights[c * inSize + i] = SmallerCode(rng, w);
            // At most S/8 in magnitude and never zero, of either sign.
            long b = Math.Max(1, (long)(S / 8 / (c + 1)));
            bias[c] = (rng.Next(2) == 0 ? -1 : 1) * rng.NextInt64(1, b + 1);
        }
        return (new DenseOp(inSize, outSize, w, fracBits, weights, bias, rq(m), 0, new Folding(1, 1)), m);
    }

    /// <summary>A random code of at most half the top magnitude (uniform) or with e &gt;= 2 (POT/POST), either sign.</summary>
    private static int SmallerCode(Random rng, WeightSpec w)
    {
        if (w.Code == WeightCode.Uniform)
        {
            int q = 1 << (w.Bits - 2);
            return rng.Next(-q, q + 1);
        }
        int e = rng.Next(1, 1 << (w.Bits - 1));
        if (e == 1) return 0;
        return (rng.Next(2) << (w.Bits - 1)) | e;
    }
}
