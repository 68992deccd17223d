using QuantHdl.Arithmetic;
using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;

namespace QuantHdl.Quantization;

/// <summary>
/// ASQ on an unsigned activation (docs/asq.md): per sample b the step is s_a = s * beta_b, with s a
/// learnable scalar and beta_b from the <see cref="AsqAdapter"/> on the same input x, and
/// x_hat = clamp(round(x / s_a), 0, p) * s_a. With G the LSQ step gradient at s_a
/// (<see cref="LsqActivationQuantizer"/>), dL/ds = gs * sum_b beta_b sum_i g_i G_i (gs = 1/sqrt(N*p),
/// N the features per sample, as LSQ), dL/dbeta_b = s sum_i g_i G_i (no scale), and x gets the STE inside
/// the range. The step starts at LSQ's 2*mean|x|/sqrt(p) on the first training batch.
/// <para>
/// Deployment is static: <see cref="StaticBeta"/> (a buffer saved with the checkpoint) holds the mean
/// beta over calibration images (<see cref="AsqCalibration"/>), and with <see cref="Static"/> set the
/// forward uses <see cref="StaticStep"/> = s * StaticBeta for every sample: the ordinary LSQ quantizer
/// the integer model's requantization implements.
/// </para>
/// </summary>
public sealed class AsqActivationQuantizer : Module
{
    private readonly int _p;
    private double _betaSum;
    private long _betaCount;

    /// <summary>Creates an uninitialised quantizer of <paramref name="bits"/> bits whose adapter reads <paramref name="channels"/> channels.</summary>
    public AsqActivationQuantizer(int bits, int channels, Random rng)
    {
        if (bits < 1 || bits > 16) throw new ArgumentOutOfRangeException(nameof(bits), bits, "ASQ activation bits must be 1..16");
        Bits = bits;
        _p = (1 << bits) - 1;
        Step = RegisterParameter("step", Tensor.Zeros(1));
        Adapter = RegisterModule("adapter", new AsqAdapter(channels, rng));
        StaticBeta = RegisterBuffer("static_beta", Tensor.Zeros(1));
    }

    /// <summary>Activation width.</summary>
    public int Bits { get; }

    /// <summary>The learnable step s.</summary>
    public Tensor Step { get; }

    /// <summary>The adapter that gives beta.</summary>
    public AsqAdapter Adapter { get; }

    /// <summary>The calibrated constant beta of the static deployment, [1]; 0 until calibrated.</summary>
    public Tensor StaticBeta { get; }

    /// <summary>True once the step is set.</summary>
    public bool Initialized => Step.Data[0] > 0;

    /// <summary>True once <see cref="StaticBeta"/> is calibrated.</summary>
    public bool Calibrated => StaticBeta.Data[0] > 0;

    /// <summary>When true, every sample uses <see cref="StaticStep"/> (the deployed form); when false, its own beta.</summary>
    public bool Static { get; set; }

    /// <summary>s * static beta, in float as the static forward computes it: the step the freezer deploys.</summary>
    public float StaticStep => Step.Data[0] * StaticBeta.Data[0];

    /// <summary>While true, the dynamic forward adds each sample's beta to <see cref="MeanBeta"/>.</summary>
    public bool Recording { get; set; }

    /// <summary>Mean beta over the samples seen while <see cref="Recording"/>, since <see cref="ResetRecord"/>.</summary>
    public double MeanBeta => _betaCount == 0 ? double.NaN : _betaSum / _betaCount;

    /// <summary>Samples recorded since <see cref="ResetRecord"/>.</summary>
    public long RecordedSamples => _betaCount;

    /// <summary>Clears the recorded betas.</summary>
    public void ResetRecord() => (_betaSum, _betaCount) = (0, 0);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        var xd = x.Data;
        if (!Initialized)
        {
            if (!Training) throw new InvalidOperationException("ASQ activation quantizer used in eval mode before its step was initialised by a training batch");
            Step.Data[0] = LsqActivationQuantizer.InitialStep(xd, _p);
        }
        int batch = x.Dim(0);
        Tensor beta;
        if (Static)
        {
            if (!Calibrated) throw new InvalidOperationException("ASQ activation quantizer in static mode before its beta was calibrated (AsqCalibration)");
            var b = new float[batch];
            Array.Fill(b, StaticBeta.Data[0]);
            beta = Tensor.FromArray(b, batch);
        }
        else
        {
            beta = Adapter.Forward(x);
            if (Recording)
                foreach (var v in beta.Data.AsSpan(0, batch)) { _betaSum += v; _betaCount++; }
        }
        return Quantize(x, beta, Step, _p);
    }

    /// <summary>
    /// The quantizer given beta [B]: x_hat = clamp(round(x / (s beta_b)), 0, p) * s beta_b, with the
    /// gradients of the class summary (the LSQ scale gs applied to s only).
    /// </summary>
    internal static Tensor Quantize(Tensor x, Tensor beta, Tensor step, int p)
    {
        var xd = x.Data;
        var bd = beta.Data;
        int batch = x.Dim(0), per = x.Numel / Math.Max(1, batch);
        if (beta.Numel != batch) throw new ArgumentException($"ASQ: {beta.Numel} betas for a batch of {batch}");
        float s = step.Data[0];
        var y = Tensor.RentBuffer(xd.Length);
        for (int b = 0; b < batch; b++)
        {
            float sa = s * bd[b];
            for (int i = b * per; i < (b + 1) * per; i++) y[i] = Math.Clamp(Rounding.HalfUp(xd[i] / sa), 0, p) * sa;
        }
        float gScale = (float)(1.0 / Math.Sqrt((double)per * p));
        return Tensor.FromOp(x.Shape, y, [x, beta, step], result =>
        {
            var g = result.Grad!;
            float[]? gx = x.RequiresGrad ? x.EnsureGrad() : null;
            float[]? gb = beta.RequiresGrad ? beta.EnsureGrad() : null;
            double accS = 0;
            for (int b = 0; b < batch; b++)
            {
                float sa = s * bd[b];
                double acc = 0; // sum_i g_i G_i over sample b
                for (int i = b * per; i < (b + 1) * per; i++)
                {
                    float v = xd[i] / sa;
                    float gi = g[i];
                    if (v < 0) continue;                       // below the range: G = -n = 0, no STE
                    if (v > p) { acc += gi * p; continue; }
                    acc += gi * (Rounding.HalfUp(v) - v);
                    if (gx != null) gx[i] += gi;
                }
                accS += acc * bd[b];
                if (gb != null) gb[b] += (float)(acc * s);
            }
            if (step.RequiresGrad) step.EnsureGrad()[0] += (float)(accS * gScale);
        });
    }
}
