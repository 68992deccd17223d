using System.Numerics;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Ir;

/// <summary>AddMath (docs/integer-semantics.md §9) against hand-worked cases and BigInteger references.</summary>
public sealed class AddMathTests
{
    /// <summary>floor((a*ma + b*mb + 2^(k-1)) / 2^k), clamped, in unbounded integers.</summary>
    private static long RefApply(long a, long b, long ma, long mb, int k, long lo, long hi)
    {
        var num = new BigInteger(a) * ma + new BigInteger(b) * mb + BigInteger.Pow(2, k - 1);
        var q = BigInteger.DivRem(num, BigInteger.Pow(2, k), out var rem);
        if (rem < 0) q -= 1;
        return (long)BigInteger.Max(lo, BigInteger.Min(hi, q));
    }

    /// <summary>floor(r * 2^k + 1/2) computed exactly from the bits of the double.</summary>
    private static BigInteger RefRound(double r, int k)
    {
        long bits = BitConverter.DoubleToInt64Bits(r);
        int exp = (int)((bits >> 52) & 0x7ff);
        long mant = bits & ((1L << 52) - 1);
        if (exp == 0) exp = 1; else mant |= 1L << 52;
        int e = exp - 1075 + k;   // r * 2^k = mant * 2^e
        if (e >= 0) return new BigInteger(mant) << e;
        // floor(mant / 2^-e + 1/2) = floor((2*mant + 2^-e) / 2^(1-e))
        return ((new BigInteger(mant) << 1) + BigInteger.Pow(2, -e)) >> (1 - e);
    }

    [Fact]
    public void ChooseHandWorked()
    {
        // max 0.75: 0.75 * 2^16 = 49152 < 2^16, 0.75 * 2^17 = 98304 is not.
        Assert.Equal((49152L, 32768L, 16), AddMath.Choose(0.75, 0.5, 16, "add1"));
        Assert.Equal((32768L, 49152L, 16), AddMath.Choose(0.5, 0.75, 16, "add1"));
        // 1 - 2^-17 rounds up to 2^16 at k = 16, so k = 15: round(32767.75) = 32768.
        double r = 1 - Math.Pow(2, -17);
        Assert.Equal((32768L, 16384L, 15), AddMath.Choose(r, 0.5, 16, "add1"));
        // A large ratio needs a small shift: 32767.4 * 2 rounds to 65535 < 2^16, so k = 1.
        Assert.Equal((65535L, 2L, 1), AddMath.Choose(32767.4, 1.0, 16, "add1"));
        // Tiny ratios stop at k = 62; 1e-20 * 2^62 = 0.046 rounds to 0.
        Assert.Equal((0L, 0L, 62), AddMath.Choose(1e-20, 0, 16, "add1"));
        // MB = 2 (limit 4): k = 1 gives round(3) = 3 and round(0.5) = 1 (half up).
        Assert.Equal((3L, 1L, 1), AddMath.Choose(1.5, 0.25, 2, "add1"));
    }

    [Theory]
    [InlineData(65536.0, 1.0, 16)]    // 2^17 at k = 1
    [InlineData(65535.4, 0.0, 16)]    // round(131070.8) = 131071
    [InlineData(0.5, 1.0, 1)]         // MB = 1: round(1 * 2) = 2 is not below 2
    public void ChooseRefusesARatioThatNeedsAShiftBelowOne(double ra, double rb, int mb)
    {
        var e = Assert.Throws<ArithmeticLimitException>(() => AddMath.Choose(ra, rb, mb, "stage2.add"));
        Assert.Contains("stage2.add", e.Message);
        Assert.Contains("shift below 1", e.Message);
    }

    [Theory]
    [InlineData(double.NaN, 1.0)]
    [InlineData(1.0, -0.5)]
    [InlineData(double.PositiveInfinity, 1.0)]
    public void ChooseRefusesANonFiniteOrNegativeRatio(double ra, double rb)
    {
        var e = Assert.Throws<ArithmeticLimitException>(() => AddMath.Choose(ra, rb, 16, "blk1.add"));
        Assert.Contains("blk1.add", e.Message);
    }

    [Fact]
    public void ChooseMatchesAnExactReference()
    {
        var rng = new Random(17);
        for (int t = 0; t < 5000; t++)
        {
            int mb = rng.Next(1, 33);
            double ra = Math.Pow(2, rng.Next(-30, 12)) * rng.NextDouble();
            double rb = t % 7 == 0 ? ra : Math.Pow(2, rng.Next(-30, 12)) * rng.NextDouble();
            double max = Math.Max(ra, rb);
            var limit = BigInteger.One << mb;
            int k = Enumerable.Range(1, 62).Reverse().FirstOrDefault(s => RefRound(max, s) < limit);
            if (k == 0)
            {
                Assert.Throws<ArithmeticLimitException>(() => AddMath.Choose(ra, rb, mb, "x"));
                continue;
            }
            var (ma, mbv, kk) = AddMath.Choose(ra, rb, mb, "x");
            Assert.Equal(k, kk);
            Assert.Equal(RefRound(ra, k), new BigInteger(ma));
            Assert.Equal(RefRound(rb, k), new BigInteger(mbv));
        }
    }

    [Fact]
    public void ApplyRoundsHalfUpOnBothSigns()
    {
        const long lo = long.MinValue, hi = long.MaxValue;
        Assert.Equal(1, AddMath.Apply(1, 0, 1, 0, 1, lo, hi));    // 0.5 -> 1
        Assert.Equal(0, AddMath.Apply(-1, 0, 1, 0, 1, lo, hi));   // -0.5 -> 0
        Assert.Equal(-1, AddMath.Apply(0, -3, 0, 1, 1, lo, hi));  // -1.5 -> -1
        Assert.Equal(2, AddMath.Apply(1, 1, 2, 1, 1, lo, hi));    // 3/2 = 1.5 -> 2
        Assert.Equal(-3, AddMath.Apply(-5, 2, 3, 1, 2, lo, hi));  // -13/4 = -3.25 -> -3
        Assert.Equal(-3, AddMath.Apply(-5, 1, 3, 1, 2, lo, hi));  // -14/4 = -3.5 -> -3 (half up)
        Assert.Equal(-4, AddMath.Apply(-5, 0, 3, 1, 2, lo, hi));  // -15/4 = -3.75 -> -4
    }

    [Fact]
    public void ApplyClampsToTheOutputRange()
    {
        Assert.Equal(0, AddMath.Apply(-100, 3, 256, 256, 8, 0, 255));      // -97 -> 0 (fused ReLU)
        Assert.Equal(255, AddMath.Apply(200, 100, 256, 256, 8, 0, 255));   // 300 -> 255
        Assert.Equal(-128, AddMath.Apply(-100, -100, 256, 256, 8, -128, 127));
        Assert.Equal(127, AddMath.Apply(100, 27, 256, 256, 8, -128, 127));
    }

    [Fact]
    public void ApplyIsExactAtTheEndsOfALong()
    {
        // (2^63 - 1) / 2^62 = 1.99.. -> 2; a rounding constant added first would overflow.
        Assert.Equal(2, AddMath.Apply(long.MaxValue, 0, 1, 0, 62, long.MinValue, long.MaxValue));
        Assert.Equal(-2, AddMath.Apply(long.MinValue, 0, 1, 0, 62, long.MinValue, long.MaxValue));
        Assert.Equal(RefApply(long.MaxValue - 5, 3, 1, 1, 1, long.MinValue, long.MaxValue),
            AddMath.Apply(long.MaxValue - 5, 3, 1, 1, 1, long.MinValue, long.MaxValue));
        Assert.Throws<OverflowException>(() => AddMath.Apply(long.MaxValue, 1, 1, 1, 4, 0, 1));
    }

    [Fact]
    public void RandomApplyMatchesBigInteger()
    {
        var rng = new Random(23);
        int ties = 0, negatives = 0, clamps = 0;
        for (int t = 0; t < 30000; t++)
        {
            var ta = RandomType(rng);
            var tb = RandomType(rng);
            int mbits = rng.Next(1, 33);
            long ma = rng.NextInt64(0, 1L << mbits), mb = rng.NextInt64(0, 1L << mbits);
            if (AddMath.SumBits(ta, tb, ma, mb) > 64) continue;
            long a = Pick(rng, ta), b = Pick(rng, tb);
            long sum = a * ma + b * mb;
            int k = rng.Next(1, 63);
            if (t % 3 == 0)
            {
                // Make the sum a tie: the low k bits exactly 2^(k-1), by moving it with a multiplier of 1.
                k = rng.Next(1, 20);
                ma = 1; mb = rng.NextInt64(0, 1L << Math.Min(mbits, 20));
                a = (rng.NextInt64(-1000, 1000) << k) + (1L << (k - 1));
                b = Math.Clamp(Pick(rng, tb), -(1L << 20), 1L << 20);
                b -= b % (1L << k);
                sum = a + b * mb;
            }
            bool signedOut = rng.Next(2) == 0;
            int outBits = rng.Next(2, 17);
            long lo = signedOut ? -(1L << (outBits - 1)) : 0, hi = signedOut ? (1L << (outBits - 1)) - 1 : (1L << outBits) - 1;
            long y = AddMath.Apply(a, b, ma, mb, k, lo, hi);
            Assert.Equal(RefApply(a, b, ma, mb, k, lo, hi), y);
            if ((sum & ((1L << k) - 1)) == 1L << (k - 1)) ties++;
            if (sum < 0) negatives++;
            if (y == lo || y == hi) clamps++;
        }
        Assert.True(ties > 1000 && negatives > 1000 && clamps > 1000, $"ties {ties}, negative sums {negatives}, clamps {clamps}");
    }

    [Fact]
    public void SumBitsHandWorked()
    {
        // s8 (max |a| = 128) and u8 (255) at 2^15: 383 * 2^15 = 12550144 has 24 bits, plus the sign.
        Assert.Equal(25, AddMath.SumBits(IntType.S(8), IntType.U(8), 32768, 32768));
        // u4 * 1 + u4 * 1 = 30: 5 bits + 1.
        Assert.Equal(6, AddMath.SumBits(IntType.U(4), IntType.U(4), 1, 1));
        // s64 * (2^32 - 1): 2^63 * (2^32 - 1) has 95 bits; with u63 * (2^32 - 1) the sum has 96.
        Assert.Equal(97, AddMath.SumBits(IntType.S(64), IntType.U(63), uint.MaxValue, uint.MaxValue));
        Assert.Equal(1, AddMath.SumBits(IntType.S(8), IntType.S(8), 0, 0));
    }

    [Fact]
    public void SumBitsMatchesBigIntegerAndHoldsEverySum()
    {
        var rng = new Random(29);
        for (int t = 0; t < 5000; t++)
        {
            var ta = RandomType(rng);
            var tb = RandomType(rng);
            long ma = rng.NextInt64(0, 1L << rng.Next(1, 33)), mb = rng.NextInt64(0, 1L << rng.Next(1, 33));
            BigInteger Mag(IntType x) => x.Signed ? BigInteger.One << (x.Width - 1) : new BigInteger(x.Max);
            var bound = Mag(ta) * ma + Mag(tb) * mb;
            int expected = (int)bound.GetBitLength() + 1;
            int bits = AddMath.SumBits(ta, tb, ma, mb);
            Assert.Equal(expected, bits);
            // The extreme sums lie inside the signed SumBits range.
            var lim = BigInteger.One << (bits - 1);
            foreach (var a in new[] { ta.Min, ta.Max })
                foreach (var b in new[] { tb.Min, tb.Max })
                {
                    var s = new BigInteger(a) * ma + new BigInteger(b) * mb;
                    Assert.True(s >= -lim && s < lim, $"{ta} {tb} {ma} {mb}: sum {s} outside {bits} bits");
                }
        }
    }

    private static IntType RandomType(Random rng)
    {
        bool signed = rng.Next(2) == 0;
        int w = rng.Next(1, signed ? 65 : 64);
        return w > 40 && rng.Next(4) != 0 ? new IntType(rng.Next(1, 17), signed) : new IntType(w, signed);
    }

    private static long Pick(Random rng, IntType t) => rng.Next(6) switch
    {
        0 => t.Min,
        1 => t.Max,
        _ => t.Width == 64 ? rng.NextInt64() : rng.NextInt64(t.Min, t.Max) + (rng.Next(2) == 0 ? 0 : 1),
    };
}
