namespace QuantHdl.Arithmetic;

/// <summary>
/// Requantization, docs/integer-semantics.md §2 and §4: round half up, then saturate:
/// y = clamp((acc*M0 + (1 &lt;&lt; (k-1))) >> k, lo, hi). hdl/requant.v implements the same with >>> on a signed operand.
/// </summary>
public static class RequantMath
{
    /// <summary>Largest shift allowed.</summary>
    public const int MaxShift = 62;

    /// <summary>Widest requant product (§5): everything is computed in <c>long</c>.</summary>
    public const int MaxProductBits = 64;

    /// <summary>§2 rshift_round: (a + 2^(k-1)) >> k with an arithmetic shift; k >= 1.</summary>
    public static long RShiftRound(long a, int k) => (a + (1L << (k - 1))) >> k;

    /// <summary>§4: applies the requantization; the caller has checked the product width.</summary>
    public static long Apply(long acc, long m0, int k, long lo, long hi)
    {
        long y = RShiftRound(acc * m0, k);
        return Math.Clamp(y, lo, hi);
    }

    /// <summary>
    /// §4: chooses (M0, k) approximating <paramref name="m"/> with M0 &lt; 2^multiplierBits.
    /// Throws <see cref="ArithmeticLimitException"/> naming <paramref name="layer"/> if the multiplier is too large.
    /// </summary>
    public static (long M0, int K) Choose(double m, int multiplierBits, string layer)
    {
        if (double.IsNaN(m) || m < 0 || double.IsInfinity(m))
            throw new ArithmeticLimitException($"layer {layer}: requantization multiplier {m} is not a finite non-negative number");
        if (m == 0) return (0, 1);
        long limit = 1L << multiplierBits;
        for (int k = MaxShift; k >= 1; k--)
        {
            double scaled = Math.Floor(m * Math.Pow(2, k) + 0.5);
            if (scaled < limit) return ((long)scaled, k);
        }
        throw new ArithmeticLimitException($"layer {layer}: requantization multiplier {m:G6} needs a shift below 1 with {multiplierBits}-bit M0; raise the output step or the multiplier bits");
    }

    /// <summary>Signed width of acc*M0 plus the rounding constant (§5).</summary>
    public static int ProductBits(int accBits, int multiplierBits) => accBits + multiplierBits + 1;
}
