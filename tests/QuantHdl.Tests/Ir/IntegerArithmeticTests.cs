using System.Numerics;
using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Ir;

/// <summary>Integer kernels against BigInteger references, including the extreme values.</summary>
public class IntegerArithmeticTests
{
    private static long RefRequant(long acc, long m0, int k, long lo, long hi)
    {
        // floor((acc*m0 + 2^(k-1)) / 2^k) in unbounded integers.
        var num = new BigInteger(acc) * m0 + BigInteger.Pow(2, k - 1);
        var den = BigInteger.Pow(2, k);
        var q = BigInteger.DivRem(num, den, out var rem);
        if (rem < 0) q -= 1;
        return (long)BigInteger.Max(lo, BigInteger.Min(hi, q));
    }

    [Fact]
    public void RequantMatchesBigIntegerAtEdges()
    {
        long[] accs = [0, 1, -1, 2, -2, 3, -3, (1L << 30) - 1, -(1L << 30), (1L << 46) - 1, -(1L << 46)];
        long[] m0s = [0, 1, 2, 32767, 32768, 65535];
        int[] ks = [1, 2, 15, 16, 31, 32, 47, 62];
        foreach (var acc in accs)
        foreach (var m0 in m0s)
        foreach (var k in ks)
        foreach (var (lo, hi) in new[] { (0L, 15L), (-32768L, 32767L), (long.MinValue / 4, long.MaxValue / 4) })
            Assert.Equal(RefRequant(acc, m0, k, lo, hi), RequantMath.Apply(acc, m0, k, lo, hi));
    }

    [Fact]
    public void RequantRoundsHalfUpOnBothSigns()
    {
        Assert.Equal(1, RequantMath.RShiftRound(1, 1));   // 0.5 -> 1
        Assert.Equal(0, RequantMath.RShiftRound(-1, 1));  // -0.5 -> 0
        Assert.Equal(-1, RequantMath.RShiftRound(-3, 1)); // -1.5 -> -1
        Assert.Equal(2, RequantMath.RShiftRound(3, 1));   // 1.5 -> 2
    }

    [Fact]
    public void RandomRequantMatchesBigInteger()
    {
        var rng = new Random(7);
        for (int t = 0; t < 20000; t++)
        {
            int accBits = rng.Next(2, 40);
            long acc = rng.NextInt64(-(1L << (accBits - 1)), 1L << (accBits - 1));
            long m0 = rng.NextInt64(0, 1L << 16);
            int k = rng.Next(1, 63);
            Assert.Equal(RefRequant(acc, m0, k, -128, 127), RequantMath.Apply(acc, m0, k, -128, 127));
        }
    }

    [Fact]
    public void ChooseGivesTheLargestShiftUnderTheMultiplierWidth()
    {
        var (m0, k) = RequantMath.Choose(0.75, 16, "fc");
        Assert.Equal((49152L, 16), (m0, k)); // 0.75 * 2^16 = 49152 < 65536, 2^17 would not fit
        Assert.Equal((0L, 1), RequantMath.Choose(0, 16, "fc"));
        Assert.Equal((36029L, 55), RequantMath.Choose(1e-12, 16, "fc")); // 1e-12 * 2^55 = 36028.8; 2^56 would overflow 16 bits
        Assert.Equal(62, RequantMath.Choose(1e-20, 16, "fc").K); // below 2^-62 the shift saturates
        var e = Assert.Throws<ArithmeticLimitException>(() => RequantMath.Choose(70000, 16, "fc9"));
        Assert.Contains("fc9", e.Message);
    }

    [Fact]
    public void SqrtHalfTableIsTheNearestIntegerToXOverRootTwo()
    {
        foreach (int f in new[] { 1, 4, 8, 12 })
        for (long x = 0; x < 256; x++)
        {
            long r = WeightArithmetic.SqrtHalf(x, f);
            // r is nearest to v = x*2^f/sqrt2  <=>  (2r-1)^2 < 2 v^2 * 4 / 4 ... compare squares exactly:
            // (r - 1/2)^2 <= v^2 <= (r + 1/2)^2 with v^2 = x^2 * 2^(2f-1).
            var v2x4 = new BigInteger(x) * x * BigInteger.Pow(2, 2 * f - 1) * 4;
            Assert.True(r == 0 ? x == 0 : BigInteger.Pow(2 * r - 1, 2) < v2x4, $"x={x} f={f} r={r} too large");
            Assert.True(BigInteger.Pow(2 * r + 1, 2) > v2x4, $"x={x} f={f} r={r} too small");
        }
        Assert.Equal(181, WeightArithmetic.SqrtHalf(1, 8)); // 256/sqrt2 = 181.02
        Assert.Equal(21, WeightArithmetic.SqrtHalf(15, 1)); // 30/sqrt2 = 21.21
    }

    [Fact]
    public void PostTermsFollowTheShiftTable()
    {
        var spec = new WeightSpec(WeightCode.Post, 4);
        const int f = 8;
        long x = 13, x0 = 13 << f, x1 = WeightArithmetic.SqrtHalf(13, f);
        long[] expected = [x0 << 3, x1 << 3, x0 << 2, x1 << 2, x0 << 1, x1 << 1, x0];
        for (int e = 1; e <= 7; e++)
        {
            Assert.Equal(expected[e - 1], WeightArithmetic.Term(e, x, spec, f, null));
            Assert.Equal(-expected[e - 1], WeightArithmetic.Term(8 | e, x, spec, f, null));
        }
        Assert.Equal(0, WeightArithmetic.Term(0, x, spec, f, null));
        // The term approximates alpha-units: x * 2^(F+H) * 2^(-j/2).
        for (int e = 1; e <= 7; e++)
            Assert.InRange(WeightArithmetic.Term(e, x, spec, f, null) / (x * Math.Pow(2, f + 3) * Math.Pow(2, -(e - 1) / 2.0)), 0.995, 1.005);
    }

    [Fact]
    public void SignedWidthCoversTheBound()
    {
        Assert.Equal(1, IntType.SignedWidthFor(0));
        Assert.Equal(2, IntType.SignedWidthFor(1));
        Assert.Equal(8, IntType.SignedWidthFor(127));
        Assert.Equal(9, IntType.SignedWidthFor(128));
        Assert.Throws<ArithmeticLimitException>(() => new IntType(0, false));
        Assert.Throws<ArithmeticLimitException>(() => new IntType(65, true));
    }
}
