using QuantHdl.Arithmetic;
using QuantHdl.Engine.Optim;
using QuantHdl.Engine.Tensors;

namespace QuantHdl.Ptq;

/// <summary>AdaRound's constants (Nagel et al. 2020; docs/ptq.md).</summary>
public static class AdaRoundSettings
{
    /// <summary>Stretch of the rectified sigmoid: h(V) = clamp(sigmoid(V) (zeta - gamma) + gamma, 0, 1).</summary>
    public const double Zeta = 1.1, Gamma = -0.1;

    /// <summary>Weight of the rounding regularizer.</summary>
    public const double Lambda = 0.01;

    /// <summary>The regularizer's exponent anneals from <see cref="BetaStart"/> to <see cref="BetaEnd"/>.</summary>
    public const double BetaStart = 20, BetaEnd = 2;

    /// <summary>Share of the iterations with no regularizer, before beta starts to anneal.</summary>
    public const double WarmUp = 0.2;

    /// <summary>Iterations per layer by default (the paper runs 10k; this default keeps LeNet-5 under a minute).</summary>
    public const int DefaultIterations = 1000;

    /// <summary>Calibration samples per Adam step.</summary>
    public const int BatchSize = 32;

    /// <summary>Adam's learning rate on V.</summary>
    public const double LearningRate = 1e-2;
}

/// <summary>
/// One layer's AdaRound problem: every weight w chooses between its two neighbouring levels lo &lt;= w/s &lt;= hi
/// (for uniform codes floor(w/s) and floor(w/s) + 1, clamped to [n, p]; for POT/POST the nearest levels
/// below and above clamp(w/s, -1, 1)), as W~ = s (lo + h(V) (hi - lo)). Minimises
/// ||f(W x + b) - f(W~ x~ + b)||^2 (summed over channels, averaged over the batch and a conv's output positions) +
/// lambda sum(1 - |2 h(V) - 1|^beta) with Adam, where x is the float network's input to the layer, x~ the
/// quantized network's and f the fused ReLU (identity for the logits). V starts where W~ = W.
/// </summary>
public sealed class AdaRound
{
    private readonly float[] _lo, _hi, _scale;
    private readonly int _per;
    private readonly double[] _h, _dh;

    /// <summary>Sets up the choice for weights <paramref name="w"/> [Out, per] at per-channel <paramref name="scale"/>.</summary>
    public AdaRound(float[] w, float[] scale, WeightSpec spec)
    {
        _scale = scale;
        _per = w.Length / scale.Length;
        _lo = new float[w.Length];
        _hi = new float[w.Length];
        _h = new double[w.Length];
        _dh = new double[w.Length];
        V = Tensor.Zeros(w.Length);
        V.RequiresGrad = true;
        var codec = spec.Code == WeightCode.Uniform ? null : new PowerCodec(spec);
        var signed = codec is null ? null : SignedLevels(codec);
        var (n, p) = UniformCodec.SignedRange(spec.Bits);
        for (int i = 0; i < w.Length; i++)
        {
            float t = w[i] / scale[i / _per];
            if (signed is null)
            {
                float f = MathF.Floor(t);
                (_lo[i], _hi[i]) = (Math.Clamp(f, n, p), Math.Clamp(f + 1, n, p));
            }
            else
            {
                float c = Math.Clamp(t, -1f, 1f);
                int k = 0;
                while (k + 1 < signed.Length && signed[k + 1] <= c) k++;
                (_lo[i], _hi[i]) = (signed[k], signed[Math.Min(k + 1, signed.Length - 1)]);
                t = c;
            }
            double frac = _hi[i] > _lo[i] ? Math.Clamp((t - _lo[i]) / (_hi[i] - _lo[i]), 0, 1) : 0;
            V.Data[i] = (float)InverseH(frac);
        }
    }

    /// <summary>The continuous rounding variables, one per weight.</summary>
    public Tensor V { get; }

    /// <summary>h(V) = clamp(sigmoid(V) (zeta - gamma) + gamma, 0, 1).</summary>
    public static double H(double v) => Math.Clamp(Sigmoid(v) * (AdaRoundSettings.Zeta - AdaRoundSettings.Gamma) + AdaRoundSettings.Gamma, 0, 1);

    /// <summary>dh/dV: sigmoid'(V) (zeta - gamma) inside the clamp, 0 where it clamps.</summary>
    public static double DH(double v)
    {
        double s = Sigmoid(v), h = s * (AdaRoundSettings.Zeta - AdaRoundSettings.Gamma) + AdaRoundSettings.Gamma;
        return h is <= 0 or >= 1 ? 0 : s * (1 - s) * (AdaRoundSettings.Zeta - AdaRoundSettings.Gamma);
    }

    /// <summary>The V with h(V) = <paramref name="h"/>, for h in [0, 1] (kept off the clamps so that gradients flow).</summary>
    public static double InverseH(double h)
    {
        double s = (Math.Clamp(h, 0.01, 0.99) - AdaRoundSettings.Gamma) / (AdaRoundSettings.Zeta - AdaRoundSettings.Gamma);
        return Math.Log(s / (1 - s));
    }

    /// <summary>The regularizer sum(1 - |2 h(V) - 1|^beta).</summary>
    public static double Regularizer(ReadOnlySpan<float> v, double beta)
    {
        double r = 0;
        foreach (float x in v) r += 1 - Math.Pow(Math.Abs(2 * H(x) - 1), beta);
        return r;
    }

    /// <summary>d/dV of one term of <see cref="Regularizer"/>: -2 beta |2h - 1|^(beta-1) sign(2h - 1) h'(V).</summary>
    public static double RegularizerGradient(double v, double beta)
    {
        double u = 2 * H(v) - 1;
        if (u == 0) return 0;
        return -2 * beta * Math.Pow(Math.Abs(u), beta - 1) * Math.Sign(u) * DH(v);
    }

    /// <summary>beta at iteration <paramref name="t"/> of <paramref name="total"/>, or null during the warm-up (no regularizer).</summary>
    public static double? Beta(int t, int total)
    {
        int warm = (int)(AdaRoundSettings.WarmUp * total);
        if (t < warm) return null;
        double rel = (double)(t - warm) / Math.Max(1, total - warm);
        return AdaRoundSettings.BetaEnd + (AdaRoundSettings.BetaStart - AdaRoundSettings.BetaEnd) * Math.Max(0, 1 - rel);
    }

    /// <summary>
    /// The soft-quantized weights W~ = s (lo + h(V) (hi - lo)), shaped <paramref name="shape"/>, with the
    /// gradient to V. h(V) and h'(V) of this step are kept for <see cref="AddRegularizerGradient"/>.
    /// </summary>
    public Tensor SoftWeights(int[] shape)
    {
        var v = V;
        var data = Tensor.RentBuffer(v.Numel);
        for (int i = 0; i < data.Length; i++)
        {
            double sg = Sigmoid(v.Data[i]), h = sg * (AdaRoundSettings.Zeta - AdaRoundSettings.Gamma) + AdaRoundSettings.Gamma;
            bool inside = h is > 0 and < 1;
            _h[i] = Math.Clamp(h, 0, 1);
            _dh[i] = inside ? sg * (1 - sg) * (AdaRoundSettings.Zeta - AdaRoundSettings.Gamma) : 0;
            data[i] = (float)(_scale[i / _per] * (_lo[i] + _h[i] * (_hi[i] - _lo[i])));
        }
        var dh = _dh;
        return Tensor.FromOp(shape, data, [v], result =>
        {
            var g = result.Grad!;
            var gv = v.EnsureGrad();
            for (int i = 0; i < g.Length; i++) gv[i] += (float)(g[i] * _scale[i / _per] * (_hi[i] - _lo[i]) * dh[i]);
        });
    }

    /// <summary>Adds lambda times the regularizer's gradient at <paramref name="beta"/> to V's gradient, from the h(V) of the last <see cref="SoftWeights"/>.</summary>
    public void AddRegularizerGradient(double beta)
    {
        var g = V.EnsureGrad();
        for (int i = 0; i < g.Length; i++)
        {
            double u = 2 * _h[i] - 1;
            if (u == 0 || _dh[i] == 0) continue;
            g[i] += (float)(AdaRoundSettings.Lambda * -2 * beta * Math.Pow(Math.Abs(u), beta - 1) * Math.Sign(u) * _dh[i]);
        }
    }

    /// <summary>The chosen levels: hi where h(V) &gt;= 1/2, lo elsewhere.</summary>
    public float[] Levels()
    {
        var l = new float[V.Numel];
        for (int i = 0; i < l.Length; i++) l[i] = H(V.Data[i]) >= 0.5 ? _hi[i] : _lo[i];
        return l;
    }

    /// <summary>
    /// Optimises V for <paramref name="iterations"/> Adam steps on random batches of
    /// <see cref="AdaRoundSettings.BatchSize"/> rows of the quantized inputs <paramref name="xq"/> against
    /// <paramref name="target"/> = f(W x + b); <paramref name="layer"/> maps (input batch, weights) to the
    /// pre-activation, <paramref name="relu"/> says whether f is ReLU. <paramref name="advance"/> is told every 10 iterations.
    /// </summary>
    public void Optimize(Tensor xq, Tensor target, Func<Tensor, Tensor, Tensor> layer, int[] weightShape, bool relu, int iterations, int seed, Action<long> advance)
    {
        int n = xq.Dim(0), b = Math.Min(AdaRoundSettings.BatchSize, n);
        int inRow = xq.Numel / n, outRow = target.Numel / n;
        var xb = Tensor.FromArray(new float[b * inRow], [b, .. xq.Shape[1..]]);
        var tb = new float[b * outRow];
        var rng = new Random(seed);
        var opt = new Adam([V], AdaRoundSettings.LearningRate);
        for (int t = 0; t < iterations; t++)
        {
            for (int r = 0; r < b; r++)
            {
                int s = rng.Next(n);
                Array.Copy(xq.Data, s * inRow, xb.Data, r * inRow, inRow);
                Array.Copy(target.Data, s * outRow, tb, r * outRow, outRow);
            }
            opt.ZeroGrad();
            using (Tensor.StepScope())
            {
                var y = layer(xb, SoftWeights(weightShape));
                Reconstruction(y, tb, relu, b).Backward();
            }
            if (Beta(t, iterations) is double beta) AddRegularizerGradient(beta);
            opt.Step();
            if (t % 10 == 9 || t + 1 == iterations) advance(t % 10 + 1);
        }
    }

    /// <summary>
    /// sum over channels of (f(y) - target)^2, averaged over the batch and (for a conv) the output
    /// positions, with its gradient to y.
    /// </summary>
    private static Tensor Reconstruction(Tensor y, float[] target, bool relu, int batch)
    {
        int positions = y.Rank == 4 ? y.Dim(2) * y.Dim(3) : 1;
        batch *= positions;
        double loss = 0;
        for (int i = 0; i < y.Numel; i++)
        {
            double d = (relu ? Math.Max(0, y.Data[i]) : y.Data[i]) - target[i];
            loss += d * d;
        }
        var data = Tensor.RentBuffer(1);
        data[0] = (float)(loss / batch);
        return Tensor.FromOp([], data, [y], result =>
        {
            var gy = y.EnsureGrad();
            float g = result.Grad![0];
            for (int i = 0; i < gy.Length; i++)
            {
                if (relu && y.Data[i] <= 0) continue;
                gy[i] += g * 2 * ((relu ? Math.Max(0, y.Data[i]) : y.Data[i]) - target[i]) / batch;
            }
        });
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    private static float[] SignedLevels(PowerCodec codec)
    {
        var mags = codec.Levels.ToArray();
        return mags.Select(m => -m).Concat([0f]).Concat(mags.Reverse()).ToArray();
    }
}
