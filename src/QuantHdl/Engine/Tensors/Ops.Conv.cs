using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace QuantHdl.Engine.Tensors;

public static partial class Ops
{
    /// <summary>
    /// 2-D convolution (cross-correlation, as in PyTorch) of <paramref name="x"/> [N, Cin, H, W] with
    /// <paramref name="w"/> [Cout, Cin/groups, KH, KW] and an optional bias [Cout]. Returns [N, Cout, OH, OW] with
    /// <c>OH = (H + 2·padding - KH) / stride + 1</c> (floor), likewise OW. Zero padding.
    /// </summary>
    /// <remarks>
    /// Input channel group g (channels g·Cin/groups ..) feeds output channels g·Cout/groups ..; groups = Cin = Cout is
    /// a depthwise convolution. Per image and group, the receptive fields are unrolled into a column matrix
    /// (im2col, [Cin/groups·KH·KW, OH·OW]) and multiplied by the weight rows with the packed GEMM; a 1x1 kernel
    /// with stride 1 and no padding uses the input itself as the column matrix. docs/engine.md gives the formulas.
    /// </remarks>
    public static Tensor Conv2d(Tensor x, Tensor w, Tensor? b = null, int stride = 1, int padding = 0, int groups = 1) =>
        ConvCore(x, w, b, stride, padding, groups, relu: false);

    /// <summary>
    /// Fused <c>Relu(Conv2d(x, w, b, ...))</c>: the same values and gradients, with the ReLU applied to each image's
    /// output while it is still in cache and without a separate pre-activation tensor.
    /// </summary>
    public static Tensor Conv2dRelu(Tensor x, Tensor w, Tensor? b = null, int stride = 1, int padding = 0, int groups = 1) =>
        ConvCore(x, w, b, stride, padding, groups, relu: true);

    private static Tensor ConvCore(Tensor x, Tensor w, Tensor? b, int stride, int padding, int groups, bool relu)
    {
        var g = ConvGeometry.Of(relu ? nameof(Conv2dRelu) : nameof(Conv2d), x, w, b, stride, padding, groups);
        int n = x.Dim(0), cout = w.Dim(0), p = g.OutPlane, kk = g.ColRows, og = cout / groups;
        var y = Tensor.RentBuffer(n * cout * p);
        // The weight gradient needs every image's column matrix again: keep them all when they fit in
        // KeptColumnsLimit, else keep one and rebuild it in the backward pass.
        long allColumns = (long)n * groups * kk * p;
        long limit = t_keptColumnsLimit > 0 ? t_keptColumnsLimit : KeptColumnsLimit;
        bool keep = !g.Direct && w.RequiresGrad && Tensor.IsGradEnabled && allColumns <= limit;
        float[]? col = g.Direct ? null : Tensor.RentBuffer(keep ? (int)allColumns : kk * p);
        float[] xd = x.Data, wd = w.Data;
        for (int i = 0; i < n; i++)
        {
            for (int gr = 0; gr < groups; gr++)
            {
                var cols = ColumnsOf(g, xd, i, gr, col, keep ? (i * groups + gr) * kk * p : 0, build: true);
                var yg = y.AsSpan((i * cout + gr * og) * p, og * p);
                if (b != null)
                {
                    // Seed each output plane with its bias, then accumulate W·col on top of it.
                    for (int o = 0; o < og; o++) yg.Slice(o * p, p).Fill(b.Data[gr * og + o]);
                }
                Gemm.Sgemm(false, false, og, p, kk, wd.AsSpan(gr * og * kk, og * kk), kk, cols, p, yg, p, accumulate: b != null);
                if (relu) TensorPrimitives.Max(yg, 0f, yg);
            }
        }

        var parents = b != null ? new[] { x, w, b } : new[] { x, w };
        return Tensor.FromOp(new[] { n, cout, g.OutH, g.OutW }, y, parents, r =>
        {
            var dy = r.Grad!;
            // With the fused ReLU, dZ = dY where Y > 0, else 0, one image-group slice at a time.
            float[]? masked = relu ? Tensor.RentBuffer(og * p) : null;
            float[]? dcol = x.RequiresGrad && !g.Direct ? Tensor.RentBuffer(kk * p) : null;
            float[]? gb = b != null && b.RequiresGrad ? b.EnsureGrad() : null;
            float[]? gw = w.RequiresGrad ? w.EnsureGrad() : null;
            float[]? gx = x.RequiresGrad ? x.EnsureGrad() : null;
            for (int i = 0; i < n; i++)
            {
                for (int gr = 0; gr < groups; gr++)
                {
                    ReadOnlySpan<float> dyg = dy.AsSpan((i * cout + gr * og) * p, og * p);
                    if (masked != null)
                    {
                        Simd.ReluGrad(r.Data.AsSpan((i * cout + gr * og) * p, og * p), dyg, masked, accumulate: false);
                        dyg = masked;
                    }
                    if (gb != null)
                        for (int o = 0; o < og; o++) gb[gr * og + o] += TensorPrimitives.Sum<float>(dyg.Slice(o * p, p));
                    // dW_g += dY_g · colᵀ ; dcol = W_gᵀ · dY_g, scattered back onto dX (col2im).
                    if (gw != null)
                    {
                        var cols = ColumnsOf(g, xd, i, gr, col, keep ? (i * groups + gr) * kk * p : 0, build: !keep);
                        Gemm.Sgemm(false, true, og, kk, p, dyg, p, cols, p, gw.AsSpan(gr * og * kk, og * kk), kk, accumulate: true);
                    }
                    if (gx != null)
                    {
                        var wg = wd.AsSpan(gr * og * kk, og * kk);
                        if (g.Direct)
                        {
                            Gemm.Sgemm(true, false, kk, p, og, wg, kk, dyg, p, gx.AsSpan(g.InputOffset(i, gr), kk * p), p, accumulate: true);
                        }
                        else
                        {
                            Gemm.Sgemm(true, false, kk, p, og, wg, kk, dyg, p, dcol, p, accumulate: false);
                            Col2Im(g, dcol!, gx.AsSpan(g.InputOffset(i, gr), g.GroupChannels * g.InH * g.InW));
                        }
                    }
                }
            }
        });
    }

    /// <summary>Column matrices kept for the backward pass, at most this many floats per convolution (64 MiB).</summary>
    private const long KeptColumnsLimit = 16L << 20;

    /// <summary>When positive, replaces <see cref="KeptColumnsLimit"/> on this thread (tests use it to run the rebuild path).</summary>
    [ThreadStatic] internal static long t_keptColumnsLimit;

    /// <summary>
    /// The column matrix of image <paramref name="i"/>, group <paramref name="gr"/>: the input slice itself (1x1 kernel),
    /// else the one at <paramref name="offset"/> in <paramref name="col"/>, built there first when <paramref name="build"/>.
    /// </summary>
    private static ReadOnlySpan<float> ColumnsOf(in ConvGeometry g, float[] x, int i, int gr, float[]? col, int offset, bool build)
    {
        var src = x.AsSpan(g.InputOffset(i, gr), g.GroupChannels * g.InH * g.InW);
        if (g.Direct) return src;
        var dst = col.AsSpan(offset, g.ColRows * g.OutPlane);
        if (build) Im2Col(g, src, dst);
        return dst;
    }

    /// <summary>
    /// col[(c·KH + ki)·KW + kj, oy·OW + ox] = x[c, oy·stride - padding + ki, ox·stride - padding + kj], or 0 outside the image.
    /// </summary>
    /// <remarks>Pointer loops: the runs are as short as OW (8 in LeNet's second layer), so span slicing would cost more than the copy.</remarks>
    private static unsafe void Im2Col(in ConvGeometry g, ReadOnlySpan<float> x, Span<float> col)
    {
        int h = g.InH, wd = g.InW, oh = g.OutH, ow = g.OutW, s = g.Stride, pad = g.Padding, p = g.OutPlane;
        if (x.Length < g.GroupChannels * h * wd || col.Length < g.ColRows * p) throw new ArgumentException("Im2Col: buffer too small.");
        fixed (float* x0p = x, c0p = col)
        {
            float* row = c0p;
            for (int c = 0; c < g.GroupChannels; c++)
            {
                for (int ki = 0; ki < g.KernelH; ki++)
                {
                    var (y0, y1) = g.ValidRows(ki);
                    for (int kj = 0; kj < g.KernelW; kj++, row += p)
                    {
                        var (x0, x1) = g.ValidColumns(kj);
                        if (x0 >= x1 || y0 >= y1) { new Span<float>(row, p).Clear(); continue; }
                        new Span<float>(row, y0 * ow).Clear();
                        new Span<float>(row + y1 * ow, (oh - y1) * ow).Clear();
                        int run = x1 - x0;
                        float* src = x0p + (c * h + y0 * s - pad + ki) * wd + x0 * s - pad + kj;
                        float* dst = row + y0 * ow;
                        if (s == 1 && ow == wd)
                        {
                            // "Same" stride-1 convolution: output row oy reads input row oy - pad + ki, so the whole
                            // block is the input plane shifted by a constant; one long copy from the first valid
                            // element to the last, then zero the columns that fell outside the image.
                            CopyRun(src, dst + x0, (y1 - y0 - 1) * ow + run);
                            for (int oy = y0; oy < y1; oy++)
                            {
                                float* d = row + oy * ow;
                                for (int ox = 0; ox < x0; ox++) d[ox] = 0f;
                                for (int ox = x1; ox < ow; ox++) d[ox] = 0f;
                            }
                            continue;
                        }
                        long step = (long)s * wd;
                        for (int oy = y0; oy < y1; oy++, src += step, dst += ow)
                        {
                            for (int ox = 0; ox < x0; ox++) dst[ox] = 0f;
                            for (int ox = x1; ox < ow; ox++) dst[ox] = 0f;
                            if (s == 1) CopyRun(src, dst + x0, run);
                            else for (int ox = 0; ox < run; ox++) dst[x0 + ox] = src[ox * s];
                        }
                    }
                }
            }
        }
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: dx[c, iy, ix] += dcol[row, oy·OW + ox] for every position that im2col read.</summary>
    private static unsafe void Col2Im(in ConvGeometry g, ReadOnlySpan<float> dcol, Span<float> dx)
    {
        int h = g.InH, wd = g.InW, ow = g.OutW, s = g.Stride, pad = g.Padding, p = g.OutPlane;
        if (dx.Length < g.GroupChannels * h * wd || dcol.Length < g.ColRows * p) throw new ArgumentException("Col2Im: buffer too small.");
        fixed (float* d0p = dcol, x0p = dx)
        {
            float* row = d0p;
            for (int c = 0; c < g.GroupChannels; c++)
            {
                for (int ki = 0; ki < g.KernelH; ki++)
                {
                    var (y0, y1) = g.ValidRows(ki);
                    for (int kj = 0; kj < g.KernelW; kj++, row += p)
                    {
                        var (x0, x1) = g.ValidColumns(kj);
                        if (x0 >= x1 || y0 >= y1) continue;
                        int run = x1 - x0;
                        float* dst = x0p + (c * h + y0 * s - pad + ki) * wd + x0 * s - pad + kj;
                        float* src = row + y0 * ow + x0;
                        long step = (long)s * wd;
                        for (int oy = y0; oy < y1; oy++, src += ow, dst += step)
                        {
                            if (s == 1) AddRun(src, dst, run);
                            else for (int ox = 0; ox < run; ox++) dst[ox * s] += src[ox];
                        }
                    }
                }
            }
        }
    }

    /// <summary>dst[0..n) = src[0..n), eight lanes at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CopyRun(float* src, float* dst, int n)
    {
        if (n == 8) { Vector256.Store(Vector256.Load(src), dst); return; } // LeNet's second layer: one move per run
        int i = 0;
        for (; i <= n - 32; i += 32)
        {
            Vector256.Store(Vector256.Load(src + i), dst + i);
            Vector256.Store(Vector256.Load(src + i + 8), dst + i + 8);
            Vector256.Store(Vector256.Load(src + i + 16), dst + i + 16);
            Vector256.Store(Vector256.Load(src + i + 24), dst + i + 24);
        }
        for (; i <= n - 8; i += 8) Vector256.Store(Vector256.Load(src + i), dst + i);
        for (; i < n; i++) dst[i] = src[i];
    }

    /// <summary>dst[0..n) += src[0..n), eight lanes at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddRun(float* src, float* dst, int n)
    {
        int i = 0;
        for (; i <= n - 8; i += 8)
            Vector256.Store(Vector256.Load(dst + i) + Vector256.Load(src + i), dst + i);
        for (; i < n; i++) dst[i] += src[i];
    }

    /// <summary>Validated sizes of one <see cref="Conv2d"/> call.</summary>
    private readonly record struct ConvGeometry(
        int InChannels, int GroupChannels, int InH, int InW, int KernelH, int KernelW,
        int Stride, int Padding, int OutH, int OutW)
    {
        public int OutPlane => OutH * OutW;

        /// <summary>Rows of the column matrix: Cin/groups · KH · KW.</summary>
        public int ColRows => GroupChannels * KernelH * KernelW;

        /// <summary>A 1x1, stride-1, unpadded kernel: the input planes already are the column matrix.</summary>
        public bool Direct => KernelH == 1 && KernelW == 1 && Stride == 1 && Padding == 0;

        public int InputOffset(int image, int group) => (image * InChannels + group * GroupChannels) * InH * InW;

        /// <summary>The output rows [y0, y1) whose input row oy·stride - padding + ki lies inside the image.</summary>
        public (int Y0, int Y1) ValidRows(int ki) => ValidRange(Padding - ki, InH - 1 + Padding - ki, OutH);

        /// <summary>The output columns [x0, x1) whose input column ox·stride - padding + kj lies inside the image.</summary>
        public (int X0, int X1) ValidColumns(int kj) => ValidRange(Padding - kj, InW - 1 + Padding - kj, OutW);

        /// <summary>The outputs o in [0, count) with lead &lt;= o·stride &lt;= last, as [first, end).</summary>
        private (int, int) ValidRange(int lead, int last, int count)
        {
            int first = lead <= 0 ? 0 : (lead + Stride - 1) / Stride;
            int end = last < 0 ? 0 : Math.Min(count, last / Stride + 1);
            return (Math.Min(first, end), end);
        }

        public static ConvGeometry Of(string op, Tensor x, Tensor w, Tensor? b, int stride, int padding, int groups)
        {
            CheckRank(x, 4, op, "x [N, C, H, W]");
            CheckRank(w, 4, op, "w [Cout, Cin/groups, KH, KW]");
            if (stride < 1) throw new ArgumentException($"{op}: stride {stride} must be at least 1.");
            if (padding < 0) throw new ArgumentException($"{op}: padding {padding} must not be negative.");
            if (groups < 1) throw new ArgumentException($"{op}: groups {groups} must be at least 1.");
            int cin = x.Dim(1), cout = w.Dim(0);
            string xs = $"[{string.Join(", ", x.Shape)}]", ws = $"[{string.Join(", ", w.Shape)}]";
            if (cin % groups != 0 || cout % groups != 0)
                throw new ArgumentException($"{op}: groups {groups} must divide both the {cin} input channels of x {xs} and the {cout} output channels of w {ws}.");
            if (w.Dim(1) != cin / groups)
                throw new ArgumentException($"{op}: w {ws} must be [Cout, Cin/groups = {cin / groups}, KH, KW] for x {xs} and groups {groups}.");
            int kh = w.Dim(2), kw = w.Dim(3), h = x.Dim(2), wd = x.Dim(3);
            if (kh < 1 || kw < 1) throw new ArgumentException($"{op}: w {ws} has an empty kernel.");
            if (h + 2 * padding < kh || wd + 2 * padding < kw)
                throw new ArgumentException($"{op}: x {xs} with padding {padding} is smaller than the {kh}x{kw} kernel of w {ws}; pad more or use a smaller kernel.");
            if (b != null)
            {
                CheckRank(b, 1, op, "bias");
                if (b.Dim(0) != cout) throw new ArgumentException($"{op}: bias [{b.Dim(0)}] must have one value per output channel of w {ws}.");
            }
            int oh = (h + 2 * padding - kh) / stride + 1, ow = (wd + 2 * padding - kw) / stride + 1;
            return new ConvGeometry(cin, cin / groups, h, wd, kh, kw, stride, padding, oh, ow);
        }
    }
}
