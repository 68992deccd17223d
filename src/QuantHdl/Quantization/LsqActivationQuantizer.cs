using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;
using QuantHdl.Arithmetic;

namespace QuantHdl.Quantization;

/// <summary>
/// LSQ on activations, one learnable step per tensor, x_hat = clamp(round(x/s), -n, p) * s: unsigned
/// after ReLU (n = 0, p = 2^b - 1), or signed for a conv output that feeds a residual add
/// (n = 2^(b-1), p = 2^(b-1) - 1; docs/models.md "Residual adds"). The step starts at 2*mean|x|/sqrt(p)
/// on the first training batch; its gradient is scaled by 1/sqrt(N*p) with N the features per sample
/// (LSQ's N_F).
/// </summary>
public sealed class LsqActivationQuantizer : Module
{
    private readonly int _p;
    private readonly int _n;

    /// <summary>Creates an uninitialised quantizer of <paramref name="bits"/> bits, unsigned unless <paramref name="signed"/>.</summary>
    public LsqActivationQuantizer(int bits, bool signed = false)
    {
        if (bits < (signed ? 2 : 1) || bits > 16) throw new ArgumentOutOfRangeException(nameof(bits), bits, $"{(signed ? "signed" : "unsigned")} activation bits must be {(signed ? 2 : 1)}..16");
        Bits = bits;
        Signed = signed;
        _p = signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
        _n = signed ? 1 << (bits - 1) : 0;
        Step = RegisterParameter("step", Tensor.Zeros(1));
    }

    /// <summary>Activation width.</summary>
    public int Bits { get; }

    /// <summary>True for two's-complement codes -2^(b-1)..2^(b-1)-1, false for 0..2^b-1.</summary>
    public bool Signed { get; }

    /// <summary>The learnable step s.</summary>
    public Tensor Step { get; }

    /// <summary>True once the step is set.</summary>
    public bool Initialized => Step.Data[0] > 0;

    /// <summary>LSQ's initial step from a first batch: max(2 mean|x| / sqrt(p), 1e-6).</summary>
    internal static float InitialStep(ReadOnlySpan<float> x, int p)
    {
        double sum = 0;
        foreach (var v in x) sum += Math.Abs(v);
        return (float)Math.Max(2 * (sum / Math.Max(1, x.Length)) / Math.Sqrt(p), 1e-6);
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        var xd = x.Data;
        if (!Initialized)
        {
            if (!Training) throw new InvalidOperationException("activation quantizer used in eval mode before its step was initialised by a training batch");
            Step.Data[0] = InitialStep(xd, _p);
        }
        float s = Step.Data[0];
        int p = _p, n = _n;
        var y = Tensor.RentBuffer(xd.Length);
        for (int i = 0; i < xd.Length; i++) y[i] = Math.Clamp(Rounding.HalfUp(xd[i] / s), -n, p) * s;
        int features = x.Numel / Math.Max(1, x.Dim(0));
        float gScale = (float)(1.0 / Math.Sqrt((double)features * p));
        var step = Step;
        return Tensor.FromOp(x.Shape, y, [x, step], result =>
        {
            var g = result.Grad!;
            float[]? gx = x.RequiresGrad ? x.EnsureGrad() : null;
            float acc = 0;
            for (int i = 0; i < xd.Length; i++)
            {
                float v = xd[i] / s;
                float gi = g[i];
                if (v < -n) { acc -= gi * n; continue; } // below the range: dq/ds = -n, dq/dx = 0
                if (v > p) { acc += gi * p; continue; }
                acc += gi * (Rounding.HalfUp(v) - v);
                if (gx != null) gx[i] += gi;
            }
            if (step.RequiresGrad) step.EnsureGrad()[0] += acc * gScale;
        });
    }
}
