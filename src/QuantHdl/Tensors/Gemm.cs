using System.Numerics.Tensors;

namespace QuantHdl.Tensors;

/// <summary>
/// Single-precision general matrix multiply on row-major matrices:
/// <c>C (+)= op(A) · op(B)</c> where <c>op(X)</c> is X or Xᵀ. Transposes are read in place, never materialized.
/// </summary>
public static class Gemm
{
    /// <summary>
    /// Computes <c>C = op(A)·op(B)</c>, or <c>C += op(A)·op(B)</c> when <paramref name="accumulate"/> is true.
    /// </summary>
    /// <param name="transA">If true, A is stored as [k, m] (row-major, leading dimension <paramref name="lda"/>) and used transposed.</param>
    /// <param name="transB">If true, B is stored as [n, k] and used transposed.</param>
    /// <param name="m">Rows of C.</param>
    /// <param name="n">Columns of C.</param>
    /// <param name="k">Inner dimension.</param>
    /// <param name="a">A's storage.</param>
    /// <param name="lda">Distance between consecutive stored rows of A.</param>
    /// <param name="b">B's storage.</param>
    /// <param name="ldb">Distance between consecutive stored rows of B.</param>
    /// <param name="c">C's storage, [m, n] with leading dimension <paramref name="ldc"/>.</param>
    /// <param name="ldc">Distance between consecutive rows of C.</param>
    /// <param name="accumulate">Add into C instead of overwriting it.</param>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, bool accumulate)
    {
        CheckArgs(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        if (!accumulate)
            for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
        if (k == 0) return;
        SimpleKernel(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
    }

    /// <summary>Row-axpy / dot-product formulation; correct for every transpose combination.</summary>
    internal static void SimpleKernel(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc)
    {
        if (!transB)
        {
            for (int i = 0; i < m; i++)
            {
                var crow = c.Slice(i * ldc, n);
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    if (av != 0f) TensorPrimitives.MultiplyAdd(b.Slice(p * ldb, n), av, crow, crow);
                }
            }
        }
        else if (!transA)
        {
            for (int i = 0; i < m; i++)
            {
                var arow = a.Slice(i * lda, k);
                for (int j = 0; j < n; j++) c[i * ldc + j] += TensorPrimitives.Dot(arow, b.Slice(j * ldb, k));
            }
        }
        else
        {
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    float s = 0f;
                    for (int p = 0; p < k; p++) s += a[p * lda + i] * b[j * ldb + p];
                    c[i * ldc + j] += s;
                }
        }
    }

    private static void CheckArgs(bool transA, bool transB, int m, int n, int k,
        int aLen, int lda, int bLen, int ldb, int cLen, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"negative GEMM size m={m} n={n} k={k}.");
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        if (lda < Math.Max(1, aCols)) throw new ArgumentException($"lda={lda} is smaller than A's stored row length {aCols}.");
        if (ldb < Math.Max(1, bCols)) throw new ArgumentException($"ldb={ldb} is smaller than B's stored row length {bCols}.");
        if (ldc < Math.Max(1, n)) throw new ArgumentException($"ldc={ldc} is smaller than n={n}.");
        if (aRows > 0 && aCols > 0 && (long)(aRows - 1) * lda + aCols > aLen) throw new ArgumentException($"A has {aLen} elements, needs {(long)(aRows - 1) * lda + aCols}.");
        if (bRows > 0 && bCols > 0 && (long)(bRows - 1) * ldb + bCols > bLen) throw new ArgumentException($"B has {bLen} elements, needs {(long)(bRows - 1) * ldb + bCols}.");
        if (m > 0 && n > 0 && (long)(m - 1) * ldc + n > cLen) throw new ArgumentException($"C has {cLen} elements, needs {(long)(m - 1) * ldc + n}.");
    }
}
