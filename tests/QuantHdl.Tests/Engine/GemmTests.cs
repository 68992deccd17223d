using QuantHdl.Engine.Tensors;
using Xunit;

namespace QuantHdl.Tests.Engine;

public class GemmTests
{
    /// <summary>Naive triple loop in double, the reference every kernel is checked against.</summary>
    internal static void Reference(bool ta, bool tb, int m, int n, int k, float[] a, int lda, float[] b, int ldb, double[] c, int ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = ta ? a[p * lda + i] : a[i * lda + p];
                    double bv = tb ? b[j * ldb + p] : b[p * ldb + j];
                    s += av * bv;
                }
                c[i * ldc + j] += s;
            }
    }

    internal static float[] RandomArray(Random rng, int n)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    public static IEnumerable<object[]> Shapes()
    {
        int[][] shapes =
        {
            new[] { 1, 1, 1 }, new[] { 7, 13, 5 }, new[] { 65, 129, 33 }, new[] { 1, 37, 300 }, new[] { 300, 1, 17 },
            new[] { 13, 64, 1 }, new[] { 12, 32, 256 }, new[] { 25, 47, 513 }, new[] { 97, 33, 65 }, new[] { 64, 256, 784 },
            new[] { 200, 70, 3 }, new[] { 11, 500, 9 }, new[] { 31, 17, 1030 },
            // The LeNet-5 convolutions' weight gradients: a 25-wide and a 150-wide (last panel 22) transposed B.
            new[] { 6, 25, 576 }, new[] { 16, 150, 64 },
        };
        foreach (var s in shapes)
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    foreach (var kernel in Kernels())
                        yield return new object[] { s[0], s[1], s[2], ta, tb, kernel };
    }

    /// <summary>Every kernel this machine can run (the AVX-512 machine runs all three).</summary>
    private static IEnumerable<string> Kernels()
    {
        yield return nameof(Gemm.Kernel.Simple);
        if (System.Runtime.Intrinsics.X86.Fma.IsSupported) yield return nameof(Gemm.Kernel.Avx2);
        if (Gemm.Best == Gemm.Kernel.Avx512)
        {
            yield return nameof(Gemm.Kernel.Avx512);
            yield return nameof(Gemm.Kernel.Avx512x8);
        }
    }

    [Fact]
    public void LargeProblemSpansSeveralBlocks()
    {
        // 300 x 4200 x 600 crosses the MC, NC and KC block boundaries of both packed kernels.
        var rng = new Random(5);
        int m = 300, n = 4200, k = 600;
        var a = RandomArray(rng, m * k);
        var b = RandomArray(rng, k * n);
        var c = new float[m * n];
        Gemm.Sgemm(false, false, m, n, k, a, k, b, n, c, n, false);
        var expected = new double[m * n];
        // Spot-check rows: the full reference would take too long.
        for (int i = 0; i < m; i += 37)
            for (int j = 0; j < n; j += 13)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double)a[i * k + p] * b[p * n + j];
                Assert.True(Math.Abs(c[i * n + j] - s) <= 1e-4 * (1 + Math.Abs(s)), $"C[{i},{j}] = {c[i * n + j]}, expected {s}");
            }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesNaiveTripleLoop(int m, int n, int k, bool ta, bool tb, string kernel)
    {
        var rng = new Random(m * 1000003 + n * 1009 + k + (ta ? 7 : 0) + (tb ? 13 : 0));
        // Padded leading dimensions catch kernels that assume contiguous rows.
        int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 5;
        var a = RandomArray(rng, (ta ? k : m) * lda);
        var b = RandomArray(rng, (tb ? n : k) * ldb);
        foreach (bool accumulate in new[] { false, true })
        {
            var c = RandomArray(rng, m * ldc);
            var expected = new double[c.Length];
            for (int i = 0; i < c.Length; i++) expected[i] = accumulate ? c[i] : 0;
            // Padding columns of C must stay untouched.
            for (int i = 0; i < m; i++)
                for (int j = n; j < ldc; j++) expected[i * ldc + j] = c[i * ldc + j];
            Reference(ta, tb, m, n, k, a, lda, b, ldb, expected, ldc);
            Gemm.Run(Enum.Parse<Gemm.Kernel>(kernel), ta, tb, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
            double tol = 1e-5 * Math.Sqrt(k) + 1e-6;
            for (int i = 0; i < c.Length; i++)
                Assert.True(Math.Abs(c[i] - expected[i]) <= tol * (1 + Math.Abs(expected[i])),
                    $"{kernel} m={m} n={n} k={k} ta={ta} tb={tb} acc={accumulate}: C[{i / ldc},{i % ldc}] = {c[i]}, expected {expected[i]}");
        }
    }

    [Fact]
    public void ZeroInnerDimensionClearsOrKeepsC()
    {
        var c = new float[] { 1, 2, 3, 4 };
        Gemm.Sgemm(false, false, 2, 2, 0, Array.Empty<float>(), 1, Array.Empty<float>(), 2, c, 2, accumulate: true);
        Assert.Equal(new float[] { 1, 2, 3, 4 }, c);
        Gemm.Sgemm(false, false, 2, 2, 0, Array.Empty<float>(), 1, Array.Empty<float>(), 2, c, 2, accumulate: false);
        Assert.Equal(new float[4], c);
    }

    [Fact]
    public void RejectsTooSmallBuffers()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Gemm.Sgemm(false, false, 2, 2, 2, new float[3], 2, new float[4], 2, new float[4], 2, false));
        Assert.Contains("A has 3 elements", ex.Message);
    }
}
