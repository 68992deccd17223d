using System.Numerics;

namespace QuantHdl.Arithmetic;

/// <summary>
/// The products of docs/integer-semantics.md §3, written once. The golden simulator, the bound
/// computation and the table the RTL receives all come from here.
/// </summary>
public static class WeightArithmetic
{
    /// <summary>§3 POST: R_F[x], the nearest integer to x * 2^F / sqrt(2), computed exactly.</summary>
    public static long SqrtHalf(long x, int fracBits)
    {
        if (x < 0) throw new ArgumentOutOfRangeException(nameof(x), x, "activations are unsigned");
        if (!DeploymentSettings.SqrtFracBitsInRange(fracBits))
            throw new ArgumentOutOfRangeException(nameof(fracBits), fracBits, $"SqrtFracBits must be {DeploymentSettings.SqrtFracBitsRange}");
        if (x == 0) return 0;
        var n = new BigInteger(x) * x << (2 * fracBits - 1);
        var r = ISqrt(n);
        return (long)(n - r * r > r ? r + 1 : r);
    }

    /// <summary>The whole R_F table for activations of <paramref name="actBits"/> bits.</summary>
    public static long[] SqrtHalfTable(int actBits, int fracBits)
    {
        // Checked before allocating, so that a bad F fails the same way for every table size.
        if (!DeploymentSettings.SqrtFracBitsInRange(fracBits))
            throw new ArgumentOutOfRangeException(nameof(fracBits), fracBits, $"SqrtFracBits must be {DeploymentSettings.SqrtFracBitsRange}");
        var t = new long[1 << actBits];
        for (int x = 0; x < t.Length; x++) t[x] = SqrtHalf(x, fracBits);
        return t;
    }

    /// <summary>
    /// log2 of the factor between a weight's real magnitude unit and the accumulator unit:
    /// 0 for uniform, J for POT, F + H for POST.
    /// </summary>
    public static int UnitShift(WeightSpec w, int fracBits) => w.Code switch
    {
        WeightCode.Uniform => 0,
        WeightCode.Pot => w.MaxExponent,
        WeightCode.Post => fracBits + w.MaxExponent / 2,
        _ => throw new ArgumentOutOfRangeException(nameof(w)),
    };

    /// <summary>True when the code is a negative POT/POST weight.</summary>
    public static bool IsNegative(int code, WeightSpec w) => ((code >> (w.Bits - 1)) & 1) == 1;

    /// <summary>Index e of a POT/POST code.</summary>
    public static int Index(int code, WeightSpec w) => code & ((1 << (w.Bits - 1)) - 1);

    /// <summary>
    /// §3: the signed term a weight code contributes for activation <paramref name="x"/>.
    /// <paramref name="sqrtTable"/> is <see cref="SqrtHalfTable"/> (POST only). Throws
    /// <see cref="OverflowException"/> rather than wrap when the term leaves 63 bits, which only a
    /// width that <see cref="DenseCapacity"/> refuses can do.
    /// </summary>
    public static long Term(int code, long x, WeightSpec w, int fracBits, long[]? sqrtTable)
    {
        switch (w.Code)
        {
            case WeightCode.Uniform:
                return code * x;
            case WeightCode.Pot:
            {
                int e = Index(code, w);
                if (e == 0) return 0;
                long mag = ShiftLeft(x, w.MaxExponent - (e - 1));
                return IsNegative(code, w) ? -mag : mag;
            }
            case WeightCode.Post:
            {
                int e = Index(code, w);
                if (e == 0) return 0;
                int j = e - 1;
                long lane = (j & 1) == 0 ? ShiftLeft(x, fracBits) : (sqrtTable is null ? SqrtHalf(x, fracBits) : sqrtTable[x]);
                long mag = ShiftLeft(lane, w.MaxExponent / 2 - j / 2);
                return IsNegative(code, w) ? -mag : mag;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(w));
        }
    }

    /// <summary>
    /// The real value of a code divided by its channel scale: the uniform integer itself, or
    /// ±2^-j (POT) / ±2^(-j/2) (POST). Used by the fake-quant model and by tests.
    /// </summary>
    public static double CodeValue(int code, WeightSpec w) => w.Code switch
    {
        WeightCode.Uniform => code,
        WeightCode.Pot => Index(code, w) == 0 ? 0 : (IsNegative(code, w) ? -1 : 1) * Math.Pow(2, -(Index(code, w) - 1)),
        WeightCode.Post => Index(code, w) == 0 ? 0 : (IsNegative(code, w) ? -1 : 1) * Math.Pow(2, -(Index(code, w) - 1) / 2.0),
        _ => throw new ArgumentOutOfRangeException(nameof(w)),
    };

    /// <summary>True when the code is inside the range its spec allows.</summary>
    public static bool IsValidCode(int code, WeightSpec w) => w.Code == WeightCode.Uniform
        ? code >= -(1 << (w.Bits - 1)) && code <= (1 << (w.Bits - 1)) - 1
        : code >= 0 && code < (1 << w.Bits) && !(IsNegative(code, w) && Index(code, w) == 0);

    // C# takes a long's shift count modulo 64, and bits shifted out are lost: refuse both instead.
    private static long ShiftLeft(long v, int s)
    {
        if (v == 0) return 0;
        if (s >= 63 || (v << s) >> s != v) throw new OverflowException($"term {v} << {s} does not fit 63 bits");
        return v << s;
    }

    private static BigInteger ISqrt(BigInteger n)
    {
        if (n < 2) return n;
        var x = (BigInteger)Math.Sqrt((double)n);
        while (x * x > n) x--;
        while ((x + 1) * (x + 1) <= n) x++;
        return x;
    }
}
