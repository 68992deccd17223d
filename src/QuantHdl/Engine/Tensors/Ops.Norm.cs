using System.Numerics.Tensors;

namespace QuantHdl.Engine.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Batch normalization of <paramref name="x"/> [N, C, H, W] per channel:
    /// <c>y = gamma · (x - mean) / sqrt(var + eps) + beta</c>.
    /// </summary>
    /// <param name="x">Input, [N, C, H, W].</param>
    /// <param name="gamma">Scale [C], or null for 1.</param>
    /// <param name="beta">Shift [C], or null for 0.</param>
    /// <param name="runningMean">Running mean [C] (a buffer, not differentiated), or null; required when not training.</param>
    /// <param name="runningVar">Running variance [C], or null; required when not training.</param>
    /// <param name="training">
    /// True: normalize with the batch statistics (mean and biased variance over N·H·W values) and, if running
    /// statistics are given, update them in place: <c>running = (1 - momentum) · running + momentum · batch</c>,
    /// with the unbiased variance (times M/(M-1), M = N·H·W), as PyTorch does. False: normalize with the running
    /// statistics, which are left unchanged.
    /// </param>
    /// <param name="momentum">Weight of the new batch in the running statistics (PyTorch's convention, default 0.1).</param>
    /// <param name="eps">Added to the variance before the square root.</param>
    public static Tensor BatchNorm2d(Tensor x, Tensor? gamma, Tensor? beta, Tensor? runningMean, Tensor? runningVar,
        bool training, float momentum = 0.1f, float eps = 1e-5f)
    {
        const string op = nameof(BatchNorm2d);
        CheckRank(x, 4, op, "x [N, C, H, W]");
        int n = x.Dim(0), c = x.Dim(1), hw = x.Dim(2) * x.Dim(3), m = n * hw;
        foreach (var (t, name) in new[] { (gamma, "gamma"), (beta, "beta"), (runningMean, "running mean"), (runningVar, "running var") })
        {
            if (t == null) continue;
            t.ThrowIfReleased();
            if (t.Rank != 1 || t.Dim(0) != c)
                throw new ArgumentException($"{op}: {name} has shape [{string.Join(", ", t.Shape)}], x [{string.Join(", ", x.Shape)}] needs [{c}].");
        }
        if ((runningMean == null) != (runningVar == null))
            throw new ArgumentException($"{op}: give both running statistics or neither.");
        if (!training && runningMean == null)
            throw new ArgumentException($"{op}: evaluation mode normalizes with the running statistics; pass them or set training.");
        if (training && m < 2)
            throw new ArgumentException($"{op}: training needs more than one value per channel, x [{string.Join(", ", x.Shape)}] has {m}; use a larger batch.");
        if (!(momentum >= 0f && momentum <= 1f)) throw new ArgumentException($"{op}: momentum {momentum} must be in [0, 1].");

        // stats[ch] = mean used, stats[c + ch] = 1 / sqrt(var + eps); the backward closure reads them.
        var stats = Tensor.RentBuffer(2 * c);
        float[] xd = x.Data;
        float[]? dev = training ? Tensor.RentBuffer(hw) : null;
        for (int ch = 0; ch < c; ch++)
        {
            float mean, invStd;
            if (training)
            {
                double sum = 0;
                for (int i = 0; i < n; i++) sum += TensorPrimitives.Sum<float>(xd.AsSpan((i * c + ch) * hw, hw));
                double mu = sum / m, sq = 0;
                // Two passes (mean first, then squared deviations) so a large mean does not cancel the variance;
                // each plane's deviations are squared and summed in float (SIMD), the planes' sums in double.
                for (int i = 0; i < n; i++)
                {
                    TensorPrimitives.Subtract(xd.AsSpan((i * c + ch) * hw, hw), (float)mu, dev!);
                    sq += TensorPrimitives.SumOfSquares<float>(dev.AsSpan(0, hw));
                }
                double variance = sq / m;
                mean = (float)mu;
                invStd = (float)(1.0 / Math.Sqrt(variance + eps));
                if (runningMean != null)
                {
                    runningMean.Data[ch] = (1f - momentum) * runningMean.Data[ch] + momentum * mean;
                    runningVar!.Data[ch] = (1f - momentum) * runningVar.Data[ch] + momentum * (float)(variance * m / (m - 1));
                }
            }
            else
            {
                mean = runningMean!.Data[ch];
                invStd = (float)(1.0 / Math.Sqrt(runningVar!.Data[ch] + (double)eps));
            }
            stats[ch] = mean;
            stats[c + ch] = invStd;
        }

        var y = Tensor.RentBuffer(x.Numel);
        for (int ch = 0; ch < c; ch++)
        {
            float scale = (gamma?.Data[ch] ?? 1f) * stats[c + ch];
            float shift = (beta?.Data[ch] ?? 0f) - stats[ch] * scale;
            for (int i = 0; i < n; i++)
            {
                int o = (i * c + ch) * hw;
                // y = x·scale + shift, the product and the sum each rounded (one pass, the bits of two).
                Simd.ScaleShift(xd.AsSpan(o, hw), scale, shift, y.AsSpan(o, hw));
            }
        }

        var parents = new List<Tensor> { x };
        if (gamma != null) parents.Add(gamma);
        if (beta != null) parents.Add(beta);
        return Tensor.FromOp(x.Shape, y, parents.ToArray(), r =>
        {
            var dy = r.Grad!;
            bool fresh = false;
            float[]? gx = x.RequiresGrad ? x.GradForWrite(out fresh) : null;
            for (int ch = 0; ch < c; ch++)
            {
                float mean = stats[ch], invStd = stats[c + ch], gm = gamma?.Data[ch] ?? 1f;
                // Σdy and Σdy·xhat with xhat = (x - mean)·invStd, the latter as invStd·(Σdy·x - mean·Σdy).
                double sdy = 0, sdyx = 0;
                for (int i = 0; i < n; i++)
                {
                    int o = (i * c + ch) * hw;
                    sdy += TensorPrimitives.Sum<float>(dy.AsSpan(o, hw));
                    sdyx += TensorPrimitives.Dot(dy.AsSpan(o, hw), xd.AsSpan(o, hw));
                }
                double sdyXhat = invStd * (sdyx - mean * sdy);
                if (gamma != null && gamma.RequiresGrad) gamma.EnsureGrad()[ch] += (float)sdyXhat;
                if (beta != null && beta.RequiresGrad) beta.EnsureGrad()[ch] += (float)sdy;
                if (gx == null) continue;
                // A fresh gradient buffer is undefined: every channel below writes all of its planes.
                float a = gm * invStd, k, k0;
                if (training)
                {
                    // dx = gamma·invStd·(dy - Σdy/M - xhat·Σ(dy·xhat)/M) = a·dy + k·x + k0: the batch mean and
                    // variance depend on x too.
                    k = (float)(-gm * (double)invStd * invStd * sdyXhat / m);
                    k0 = (float)(-a * sdy / m - k * (double)mean);
                }
                else
                {
                    k = 0f;
                    k0 = 0f;
                }
                for (int i = 0; i < n; i++)
                {
                    int o = (i * c + ch) * hw;
                    var gp = gx.AsSpan(o, hw);
                    var dp = dy.AsSpan(o, hw);
                    // gp = ((gp + a·dp) + k·xp) + k0, one pass (Simd.BatchNormGrad); in evaluation mode gp += a·dp.
                    if (training) Simd.BatchNormGrad(dp, xd.AsSpan(o, hw), a, k, k0, gp, fromZero: fresh);
                    else
                    {
                        if (fresh) gp.Clear();
                        TensorPrimitives.MultiplyAdd(dp, a, gp, gp);
                    }
                }
            }
        });
    }
}
