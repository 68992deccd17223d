using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Golden;

/// <summary>
/// docs/integer-semantics.md §8: pooling on codes. Frames are H x W pixels of C channels in (y, x, c)
/// order; a KH x KW window at stride (KH, KW) covers rows KH*oy .. KH*oy+KH-1 and columns likewise (KH = KW = K for `mpK`/`apK`, KH = H and KW = W for global pooling), and rows or
/// columns beyond floor(H/KH)*KH and floor(W/KW)*KW are dropped. hdl/maxpool.v and hdl/pool_sum.v compute the same.
/// </summary>
public static class PoolKernels
{
    /// <summary>Max over each window, per channel; the codes are unchanged (no requantization).</summary>
    public static long[] MaxPool(ReadOnlySpan<long> x, int h, int w, int c, int k) => Reduce(x, h, w, c, k, k, long.MinValue, Math.Max);

    /// <summary>
    /// Sum over each window, per channel, before the requantization of an average pool. A global
    /// pool is the window <paramref name="kh"/> = H, <paramref name="kw"/> = W.
    /// </summary>
    public static long[] WindowSum(ReadOnlySpan<long> x, int h, int w, int c, int kh, int kw) => Reduce(x, h, w, c, kh, kw, 0, (a, b) => checked(a + b));

    /// <summary>
    /// Average pool: the window sum requantized by (M0, k) and clamped to [lo, hi] (§4's rule with one
    /// multiplier for every channel).
    /// </summary>
    public static long[] AvgPool(ReadOnlySpan<long> x, int h, int w, int c, int kh, int kw, long m0, int shift, long lo, long hi)
    {
        var s = WindowSum(x, h, w, c, kh, kw);
        for (int i = 0; i < s.Length; i++) s[i] = RequantMath.Apply(s[i], m0, shift, lo, hi);
        return s;
    }

    private static long[] Reduce(ReadOnlySpan<long> x, int h, int w, int c, int kh, int kw, long seed, Func<long, long, long> op)
    {
        if (x.Length != (long)h * w * c) throw new ArgumentException($"frame has {x.Length} elements, {h}x{w}x{c} needs {(long)h * w * c}");
        if (kh < 1 || kw < 1 || kh > h || kw > w) throw new ArgumentException($"pool window {kh}x{kw} does not fit a {h}x{w} frame");
        int ho = h / kh, wo = w / kw;
        var y = new long[(long)ho * wo * c];
        for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++)
                for (int ch = 0; ch < c; ch++)
                {
                    long a = seed;
                    for (int dy = 0; dy < kh; dy++)
                        for (int dx = 0; dx < kw; dx++)
                            a = op(a, x[((oy * kh + dy) * w + ox * kw + dx) * c + ch]);
                    y[(oy * wo + ox) * c + ch] = a;
                }
        return y;
    }
}
