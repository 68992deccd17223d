namespace QuantHdl.Golden;

/// <summary>
/// docs/integer-semantics.md §7: the window vectors a convolution multiplies. A frame is H x W pixels
/// of C channels in (y, x, c) order, c fastest. Output pixel (oy, ox), in row-major order, gets the
/// vector of K*K*C elements in (ky, kx, c) order, element x[oy*S + ky - P][ox*S + kx - P][c], or the
/// pad value (the zero code) where that position is outside the frame. hdl/swu.v streams exactly these.
/// </summary>
public static class SlidingWindow
{
    /// <summary>floor((n + 2p - k) / s) + 1, the output size along one axis; throws when it is below 1.</summary>
    public static int OutSize(int n, int k, int stride, int pad)
    {
        if (n < 1 || k < 1 || stride < 1 || pad < 0)
            throw new ArgumentOutOfRangeException(nameof(n), $"window of {k} at stride {stride}, padding {pad} over {n} is not defined");
        if (n + 2 * pad < k) throw new ArgumentException($"kernel {k} is larger than the padded input {n} + 2*{pad}");
        return (n + 2 * pad - k) / stride + 1;
    }

    /// <summary>
    /// All window vectors of one frame, row-major [Ho*Wo, K*K*C]. <paramref name="x"/> has H*W*C
    /// elements in (y, x, c) order.
    /// </summary>
    public static long[] Im2Col(ReadOnlySpan<long> x, int h, int w, int c, int k, int stride, int pad, long padValue)
    {
        if (x.Length != (long)h * w * c) throw new ArgumentException($"frame has {x.Length} elements, {h}x{w}x{c} needs {(long)h * w * c}");
        int ho = OutSize(h, k, stride, pad), wo = OutSize(w, k, stride, pad);
        int len = k * k * c;
        var cols = new long[(long)ho * wo * len];
        int row = 0;
        for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++, row++)
            {
                int o = row * len;
                for (int ky = 0; ky < k; ky++)
                {
                    int iy = oy * stride + ky - pad;
                    for (int kx = 0; kx < k; kx++)
                    {
                        int ix = ox * stride + kx - pad;
                        bool inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                        int src = (iy * w + ix) * c;
                        for (int ch = 0; ch < c; ch++) cols[o++] = inside ? x[src + ch] : padValue;
                    }
                }
            }
        return cols;
    }
}
