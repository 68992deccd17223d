namespace QuantHdl.Arithmetic;

/// <summary>
/// The residual add, docs/integer-semantics.md §9: both inputs requantized to the output step with
/// integer multipliers and one shared shift, y = clamp(rshift_round(a*M_a + b*M_b, k), lo, hi).
/// hdl/residual_add.v computes the same; the constants below describe that unit's pipeline, for the
/// compiler's FIFO-depth analysis.
/// </summary>
public static class AddMath
{
    /// <summary>
    /// Beats of each input that hdl/residual_add.v holds (taken, not yet emitted) when its output is
    /// blocked: it takes a pair of input beats exactly when fewer than this many are held, counted
    /// after the previous clock edge. Checked by ResidualBlockTests.
    /// </summary>
    public const int UnitBeatsHeld = 3;

    /// <summary>
    /// Cycles from the edge at which hdl/residual_add.v takes a pair of beats to the edge at which it
    /// can emit the result, with the output ready: a pair taken at edge t is offered from edge t + 1
    /// and leaves at edge t + 2.
    /// </summary>
    public const int UnitLatency = 2;

    /// <summary>
    /// §9: chooses (M_a, M_b, k) for the step ratios <paramref name="ra"/> = s_a/s_y and
    /// <paramref name="rb"/> = s_b/s_y: k is the largest value &lt;= 62 with round(max(ra, rb)*2^k) &lt;
    /// 2^multiplierBits, and M = round(r*2^k) (round half up, §2). Throws
    /// <see cref="ArithmeticLimitException"/> naming <paramref name="node"/> when a ratio is not a finite
    /// non-negative number or would need k &lt; 1.
    /// </summary>
    public static (long Ma, long Mb, int K) Choose(double ra, double rb, int multiplierBits, string node)
    {
        if (!DeploymentSettings.MultiplierBitsInRange(multiplierBits))
            throw new ArithmeticLimitException($"add {node}: multiplier bits {multiplierBits} are outside {DeploymentSettings.MinMultiplierBits}..{DeploymentSettings.MaxMultiplierBits}");
        foreach (var (name, r) in new[] { ("a", ra), ("b", rb) })
            if (!double.IsFinite(r) || r < 0)
                throw new ArithmeticLimitException($"add {node}: step ratio of input {name} ({r}) is not a finite non-negative number");
        double max = Math.Max(ra, rb);
        long limit = 1L << multiplierBits;
        for (int k = RequantMath.MaxShift; k >= 1; k--)
        {
            double scale = Math.Pow(2, k);
            if (Rounding.HalfUp(max * scale) < limit)
                return ((long)Rounding.HalfUp(ra * scale), (long)Rounding.HalfUp(rb * scale), k);
        }
        throw new ArithmeticLimitException(
            $"add {node}: step ratio {max:G6} needs a shift below 1 with {multiplierBits}-bit multipliers; raise the output step or the multiplier bits");
    }

    /// <summary>§9: the exact sum a*M_a + b*M_b; throws <see cref="OverflowException"/> when it leaves a long.</summary>
    public static long Sum(long a, long b, long ma, long mb) => checked(a * ma + b * mb);

    /// <summary>
    /// §2 rshift_round(s, k) = floor((s + 2^(k-1)) / 2^k) for 1 &lt;= k &lt;= 62, computed as
    /// (s >> k) + bit (k-1) of s so that no s near the ends of a long overflows.
    /// </summary>
    public static long RShiftRound(long s, int k) => (s >> k) + ((s >> (k - 1)) & 1);

    /// <summary>§9: y = clamp(rshift_round(a*M_a + b*M_b, k), lo, hi).</summary>
    public static long Apply(long a, long b, long ma, long mb, int k, long lo, long hi)
    {
        if (k < 1 || k > RequantMath.MaxShift) throw new ArgumentOutOfRangeException(nameof(k), k, "the shift must be 1..62");
        return Math.Clamp(RShiftRound(Sum(a, b, ma, mb), k), lo, hi);
    }

    /// <summary>
    /// §9 SumBits = bitlength(max|a|*M_a + max|b|*M_b) + 1, the signed width that holds every sum;
    /// max|x| is the largest magnitude of the input's type (2^(w-1) for a signed w-bit type). The add is
    /// supported when this is at most 64.
    /// </summary>
    public static int SumBits(IntType a, IntType b, long ma, long mb)
    {
        if (ma < 0 || mb < 0) throw new ArgumentOutOfRangeException(ma < 0 ? nameof(ma) : nameof(mb), "multipliers are unsigned");
        UInt128 bound = MaxMagnitude(a) * (UInt128)(ulong)ma + MaxMagnitude(b) * (UInt128)(ulong)mb;
        return 128 - (int)UInt128.LeadingZeroCount(bound) + 1;
    }

    private static UInt128 MaxMagnitude(IntType t) => t.Signed ? (UInt128)1 << (t.Width - 1) : (UInt128)(ulong)t.Max;
}
