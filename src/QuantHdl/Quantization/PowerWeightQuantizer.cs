using QuantHdl.Engine.Tensors;
using QuantHdl.Arithmetic;

namespace QuantHdl.Quantization;

/// <summary>
/// POST (power of sqrt 2) or POT weights, per output channel (algorithms.md, seed 000):
/// q = alpha_c * level(clamp(w/alpha_c, -1, 1)), gradient through (q - x).detach() + x, so
/// dq/dw = 1 inside [-alpha, alpha] and dq/dalpha = level - w/alpha inside, level outside,
/// scaled by 1/sqrt(In). alpha_c starts at the 0.99 quantile of |w| in the channel.
/// </summary>
public sealed class PowerWeightQuantizer : WeightQuantizer
{
    private readonly PowerCodec _codec;

    /// <summary>Creates an uninitialised quantizer.</summary>
    public PowerWeightQuantizer(WeightSpec spec, int outFeatures) : base(spec, outFeatures)
    {
        _codec = new PowerCodec(spec);
    }

    /// <summary>The codec shared with the freezer.</summary>
    public PowerCodec Codec => _codec;

    /// <inheritdoc/>
    public override void Initialize(Tensor weight)
    {
        int outF = weight.Dim(0), inF = weight.Dim(1);
        var row = new float[inF];
        for (int c = 0; c < outF; c++)
        {
            for (int i = 0; i < inF; i++) row[i] = Math.Abs(weight.Data[c * inF + i]);
            Array.Sort(row);
            double pos = 0.99 * (inF - 1);
            int lo = (int)Math.Floor(pos);
            int hi = Math.Min(lo + 1, inF - 1);
            double qv = row[lo] + (pos - lo) * (row[hi] - row[lo]);
            Scale.Data[c] = (float)Math.Max(qv, 1e-8);
        }
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor weight)
    {
        CheckShape(weight);
        int outF = weight.Dim(0), inF = weight.Dim(1);
        var w = weight.Data;
        var a = Scale.Data;
        var q = Tensor.RentBuffer(w.Length);
        var levels = Tensor.RentBuffer(w.Length);
        var codec = _codec;
        for (int c = 0; c < outF; c++)
        {
            float ac = a[c];
            int row = c * inF;
            for (int i = 0; i < inF; i++)
            {
                float level = codec.Quantize(w[row + i] / ac);
                levels[row + i] = level;
                q[row + i] = level * ac;
            }
        }
        float gScale = (float)(1.0 / Math.Sqrt(inF));
        var scale = Scale;
        return Tensor.FromOp(weight.Shape, q, [weight, scale], result =>
        {
            var g = result.Grad!;
            float[]? gw = weight.RequiresGrad ? weight.EnsureGrad() : null;
            float[]? ga = scale.RequiresGrad ? scale.EnsureGrad() : null;
            for (int c = 0; c < outF; c++)
            {
                float ac = a[c];
                int row = c * inF;
                float acc = 0;
                for (int i = 0; i < inF; i++)
                {
                    float v = w[row + i] / ac;
                    float gi = g[row + i];
                    if (v >= -1f && v <= 1f)
                    {
                        acc += gi * (levels[row + i] - v);
                        if (gw != null) gw[row + i] += gi;
                    }
                    else
                    {
                        acc += gi * (v > 0 ? 1f : -1f);
                    }
                }
                if (ga != null) ga[c] += acc * gScale;
            }
        });
    }
}
