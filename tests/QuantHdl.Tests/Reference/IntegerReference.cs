using System.Numerics;
using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Reference;

/// <summary>
/// docs/integer-semantics.md §2-§5 written a second time, from the doc alone, in unbounded integers.
/// It reads the IR's records for their data but never calls the code under test (WeightArithmetic,
/// RequantMath, AccumulatorBound, DenseCapacity, the golden kernels): every formula here is derived
/// independently, and where the code uses one method this uses another (see each member).
/// </summary>
internal static class IntegerReference
{
    /// <summary>§2: floor((a + 2^(k-1)) / 2^k), by division rather than a shift.</summary>
    public static BigInteger RShiftRound(BigInteger a, int k)
    {
        var den = BigInteger.Pow(2, k);
        return FloorDiv(a + den / 2, den);
    }

    /// <summary>floor(n / d) for d &gt; 0 (BigInteger division truncates toward zero).</summary>
    public static BigInteger FloorDiv(BigInteger n, BigInteger d)
    {
        var q = BigInteger.DivRem(n, d, out var r);
        return r.Sign < 0 ? q - 1 : q;
    }

    /// <summary>§4: clamp(rshift_round(acc * M0, k), lo, hi).</summary>
    public static BigInteger Requant(BigInteger acc, BigInteger m0, int k, BigInteger lo, BigInteger hi) =>
        BigInteger.Max(lo, BigInteger.Min(hi, RShiftRound(acc * m0, k)));

    /// <summary>
    /// §3: R_F[x], the integer nearest to v = x * 2^F / sqrt 2. With N = 4 v^2 = x^2 * 2^(2F+1), r is
    /// nearest iff (2r - 1)^2 &lt; N &lt; (2r + 1)^2 (N is never an odd square), so 2r - 1 is the
    /// largest odd number not above isqrt(N): r = floor((isqrt(N) + 1) / 2).
    /// </summary>
    public static BigInteger SqrtHalf(BigInteger x, int f)
    {
        var n = x * x * BigInteger.Pow(2, 2 * f + 1);
        return (NewtonSqrt(n) + 1) / 2;
    }

    /// <summary>floor(sqrt(n)) by Newton's iteration from above.</summary>
    public static BigInteger NewtonSqrt(BigInteger n)
    {
        if (n.Sign < 0) throw new ArgumentOutOfRangeException(nameof(n));
        if (n < 2) return n;
        var x = BigInteger.One << (int)((n.GetBitLength() + 1) / 2);
        while (true)
        {
            var y = (x + n / x) / 2;
            if (y >= x) return x;
            x = y;
        }
    }

    /// <summary>§3: the signed term of one code for activation x, decoding sign and index arithmetically.</summary>
    public static BigInteger Term(int code, BigInteger x, WeightCode kind, int bits, int f)
    {
        if (kind == WeightCode.Uniform) return code * x;
        int half = 1 << (bits - 1);
        bool negative = code / half == 1;
        int e = code % half;
        if (e == 0) return BigInteger.Zero;
        int j = e - 1;
        int bigJ = half - 2;
        BigInteger mag = kind == WeightCode.Pot
            ? x * BigInteger.Pow(2, bigJ - j)
            : (j % 2 == 0 ? x * BigInteger.Pow(2, f) : SqrtHalf(x, f)) * BigInteger.Pow(2, bigJ / 2 - j / 2);
        return negative ? -mag : mag;
    }

    /// <summary>§4: acc_c = B_c + sum_i t_ci.</summary>
    public static BigInteger[] Accumulate(DenseOp d, long[] x)
    {
        var acc = new BigInteger[d.Out];
        for (int c = 0; c < d.Out; c++)
        {
            BigInteger a = d.Bias[c];
            for (int i = 0; i < d.In; i++) a += Term(d.Weights[c * d.In + i], x[i], d.Weight.Code, d.Weight.Bits, d.SqrtFracBits);
            acc[c] = a;
        }
        return acc;
    }

    /// <summary>§4: one dense layer, accumulate then requantize.</summary>
    public static long[] Dense(DenseOp d, long[] x) =>
        Accumulate(d, x).Select((a, c) => (long)Requant(a, d.Rq.M0[c], d.Rq.Shift[c], d.Rq.Lo, d.Rq.Hi)).ToArray();

    /// <summary>Every node's output of a chain graph, node 0 being the input.</summary>
    public static long[][] Run(IrGraph g, long[] input)
    {
        var outs = new long[g.Nodes.Length][];
        outs[0] = input;
        for (int i = 1; i < g.Nodes.Length; i++) outs[i] = Dense((DenseOp)g.Nodes[i].Op, outs[i - 1]);
        return outs;
    }

    /// <summary>
    /// §5 by construction: for each channel, the largest |acc| over every input in [0, xMax]^In. The
    /// sum is largest, in the direction of either sign, when each input sits at 0 or xMax depending on
    /// its term's sign there (terms grow with x), so this tries both directions with that input and
    /// returns the larger magnitude and the input that reaches it.
    /// </summary>
    public static (BigInteger Bound, long[] Input) WorstCase(DenseOp d, long xMax, int channel)
    {
        (BigInteger, long[]) Best(int sign)
        {
            var x = new long[d.In];
            for (int i = 0; i < d.In; i++)
                x[i] = Term(d.Weights[channel * d.In + i], xMax, d.Weight.Code, d.Weight.Bits, d.SqrtFracBits).Sign == sign ? xMax : 0;
            return (BigInteger.Abs(Accumulate(d, x)[channel]), x);
        }
        var up = Best(1);
        var down = Best(-1);
        return up.Item1 >= down.Item1 ? up : down;
    }

    /// <summary>The fewest signed bits holding every value in [-b, b]: 1 + the bits of b, found by doubling.</summary>
    public static int SignedBitsFor(BigInteger b)
    {
        int w = 1;
        while (BigInteger.Pow(2, w - 1) - 1 < b) w++;
        return w;
    }
}
