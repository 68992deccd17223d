using System.Numerics.Tensors;

namespace QuantHdl.Engine.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Max pooling of <paramref name="x"/> [N, C, H, W] over <paramref name="kernel"/> x <paramref name="kernel"/>
    /// windows every <paramref name="stride"/> pixels (default: the kernel size), no padding. Returns [N, C, OH, OW]
    /// with <c>OH = (H - kernel) / stride + 1</c> (floor, PyTorch's <c>ceil_mode=False</c>).
    /// </summary>
    /// <remarks>The gradient of each output goes to the first maximum of its window in row-major order (ties to the first).</remarks>
    public static Tensor MaxPool2d(Tensor x, int kernel, int? stride = null)
    {
        var (oh, ow, s) = PoolGeometry(nameof(MaxPool2d), x, kernel, stride);
        int planes = x.Dim(0) * x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        var y = Tensor.RentBuffer(planes * oh * ow);
        float[] xd = x.Data;
        bool pairs = kernel == 2 && s == 2;
        for (int pl = 0; pl < planes; pl++)
        {
            int xo = pl * h * w, yo = pl * oh * ow;
            for (int oy = 0; oy < oh; oy++)
            {
                if (pairs)
                {
                    MaxPairs(xd.AsSpan(xo + 2 * oy * w, w), xd.AsSpan(xo + (2 * oy + 1) * w, w), y.AsSpan(yo + oy * ow, ow));
                    continue;
                }
                for (int ox = 0; ox < ow; ox++)
                {
                    int start = xo + oy * s * w + ox * s;
                    y[yo + oy * ow + ox] = xd[start + FirstMax(xd, start, w, kernel)];
                }
            }
        }
        return Tensor.FromOp(new[] { x.Dim(0), x.Dim(1), oh, ow }, y, new[] { x }, r =>
        {
            // The argmax is found again rather than stored: the first window element equal to the output
            // is the first maximum, since the output is one of the window's values.
            var gx = x.EnsureGrad();
            var dy = r.Grad!;
            if (pairs)
            {
                for (int pl = 0; pl < planes; pl++)
                {
                    int xo = pl * h * w, yo = pl * oh * ow;
                    for (int oy = 0; oy < oh; oy++)
                    {
                        int r0 = xo + 2 * oy * w;
                        RoutePairs(xd.AsSpan(r0, w), xd.AsSpan(r0 + w, w), r.Data.AsSpan(yo + oy * ow, ow),
                            dy.AsSpan(yo + oy * ow, ow), gx.AsSpan(r0, w), gx.AsSpan(r0 + w, w));
                    }
                }
                return;
            }
            for (int pl = 0; pl < planes; pl++)
            {
                int xo = pl * h * w, yo = pl * oh * ow;
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < ow; ox++)
                    {
                        int start = xo + oy * s * w + ox * s;
                        gx[start + FirstMax(xd, start, w, kernel)] += dy[yo + oy * ow + ox];
                    }
                }
            }
        });
    }

    /// <summary>
    /// Average pooling of <paramref name="x"/> [N, C, H, W] over <paramref name="kernel"/> x <paramref name="kernel"/>
    /// windows every <paramref name="stride"/> pixels (default: the kernel size), no padding. Returns [N, C, OH, OW],
    /// sizes as in <see cref="MaxPool2d"/>; each output is the window sum divided by kernel².
    /// </summary>
    public static Tensor AvgPool2d(Tensor x, int kernel, int? stride = null)
    {
        var (oh, ow, s) = PoolGeometry(nameof(AvgPool2d), x, kernel, stride);
        int planes = x.Dim(0) * x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        float inv = 1f / (kernel * kernel);
        var y = Tensor.RentBuffer(planes * oh * ow);
        float[] xd = x.Data;
        for (int pl = 0; pl < planes; pl++)
        {
            int xo = pl * h * w, yo = pl * oh * ow;
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    int start = xo + oy * s * w + ox * s;
                    float sum = 0f;
                    for (int i = 0; i < kernel; i++)
                        sum += TensorPrimitives.Sum<float>(xd.AsSpan(start + i * w, kernel));
                    y[yo + oy * ow + ox] = sum * inv;
                }
            }
        }
        return Tensor.FromOp(new[] { x.Dim(0), x.Dim(1), oh, ow }, y, new[] { x }, r =>
        {
            var gx = x.EnsureGrad();
            var dy = r.Grad!;
            for (int pl = 0; pl < planes; pl++)
            {
                int xo = pl * h * w, yo = pl * oh * ow;
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < ow; ox++)
                    {
                        int start = xo + oy * s * w + ox * s;
                        float gv = dy[yo + oy * ow + ox] * inv;
                        for (int i = 0; i < kernel; i++)
                        {
                            var row = gx.AsSpan(start + i * w, kernel);
                            TensorPrimitives.Add(row, gv, row);
                        }
                    }
                }
            }
        });
    }

    /// <summary>
    /// Global average pooling: the mean of each H x W plane of <paramref name="x"/> [N, C, H, W], as [N, C, 1, 1]
    /// (PyTorch's <c>AdaptiveAvgPool2d(1)</c>; follow it with <see cref="Tensor.Flatten"/> for a classifier).
    /// </summary>
    public static Tensor GlobalAvgPool2d(Tensor x)
    {
        CheckRank(x, 4, nameof(GlobalAvgPool2d), "x [N, C, H, W]");
        int planes = x.Dim(0) * x.Dim(1), hw = x.Dim(2) * x.Dim(3);
        if (hw == 0) throw new ArgumentException($"{nameof(GlobalAvgPool2d)}: x [{string.Join(", ", x.Shape)}] has empty planes.");
        float inv = 1f / hw;
        var y = Tensor.RentBuffer(planes);
        for (int pl = 0; pl < planes; pl++) y[pl] = TensorPrimitives.Sum<float>(x.Data.AsSpan(pl * hw, hw)) * inv;
        return Tensor.FromOp(new[] { x.Dim(0), x.Dim(1), 1, 1 }, y, new[] { x }, r =>
        {
            var gx = x.EnsureGrad();
            var dy = r.Grad!;
            for (int pl = 0; pl < planes; pl++)
            {
                var plane = gx.AsSpan(pl * hw, hw);
                TensorPrimitives.Add(plane, dy[pl] * inv, plane);
            }
        });
    }

    /// <summary>2x2, stride-2 windows over two input rows: y[ox] = max(a[2ox], a[2ox+1], b[2ox], b[2ox+1]).</summary>
    private static void MaxPairs(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        for (int ox = 0; ox < y.Length; ox++)
        {
            int j = 2 * ox;
            y[ox] = MathF.Max(MathF.Max(a[j], a[j + 1]), MathF.Max(b[j], b[j + 1]));
        }
    }

    /// <summary>The backward of <see cref="MaxPairs"/>: dy[ox] goes to the first of a[2ox], a[2ox+1], b[2ox], b[2ox+1] equal to y[ox].</summary>
    private static void RoutePairs(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> y, ReadOnlySpan<float> dy,
        Span<float> ga, Span<float> gb)
    {
        // Branch-free: the argmax of real activations is unpredictable, and mispredicted branches cost more than
        // four multiply-adds of which three add zero.
        for (int ox = 0; ox < y.Length; ox++)
        {
            int j = 2 * ox;
            float m = y[ox], g = dy[ox];
            int e0 = a[j] == m ? 1 : 0, e1 = a[j + 1] == m ? 1 : 0, e2 = b[j] == m ? 1 : 0;
            int f1 = e1 & ~e0, f2 = e2 & ~(e0 | e1), f3 = 1 & ~(e0 | e1 | e2);
            ga[j] += g * e0;
            ga[j + 1] += g * f1;
            gb[j] += g * f2;
            gb[j + 1] += g * f3;
        }
    }

    /// <summary>Offset (row · w + column) of the first maximum of the k x k window at <paramref name="start"/>.</summary>
    private static int FirstMax(float[] x, int start, int w, int k)
    {
        int best = 0;
        float bv = x[start];
        for (int i = 0; i < k; i++)
        {
            int ro = i * w;
            for (int j = 0; j < k; j++)
            {
                float v = x[start + ro + j];
                if (v > bv) { bv = v; best = ro + j; }
            }
        }
        return best;
    }

    private static (int OutH, int OutW, int Stride) PoolGeometry(string op, Tensor x, int kernel, int? stride)
    {
        CheckRank(x, 4, op, "x [N, C, H, W]");
        int s = stride ?? kernel;
        if (kernel < 1) throw new ArgumentException($"{op}: kernel {kernel} must be at least 1.");
        if (s < 1) throw new ArgumentException($"{op}: stride {s} must be at least 1.");
        int h = x.Dim(2), w = x.Dim(3);
        if (h < kernel || w < kernel)
            throw new ArgumentException($"{op}: x [{string.Join(", ", x.Shape)}] is smaller than the {kernel}x{kernel} window; use a smaller kernel.");
        return ((h - kernel) / s + 1, (w - kernel) / s + 1, s);
    }
}
