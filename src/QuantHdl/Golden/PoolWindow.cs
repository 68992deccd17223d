namespace QuantHdl.Golden;

/// <summary>
/// docs/integer-semantics.md §8: the windows of pooling on codes. Frames are H x W pixels of C channels in (y, x, c)
/// order; a KH x KW window at stride (KH, KW) covers rows KH*oy .. KH*oy+KH-1 and columns likewise (KH = KW = K for
/// `mpK`/`apK`, KH = H and KW = W for global pooling), and rows or columns beyond floor(H/KH)*KH and floor(W/KW)*KW
/// are dropped. hdl/pool_window.v, under hdl/maxpool.v and hdl/pool_sum.v, walks the same windows.
/// </summary>
internal static class PoolWindow
{
    /// <summary>Folds <paramref name="op"/> over each window, per channel, from <paramref name="seed"/>; [Ho*Wo, C] in (y, x, c) order.</summary>
    public static long[] Reduce(ReadOnlySpan<long> x, int h, int w, int c, int kh, int kw, long seed, Func<long, long, long> op)
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
