using QuantHdl.Engine.Tensors;
using QuantHdl.Arithmetic;

namespace QuantHdl.Quantization;

/// <summary>
/// LSQ (Esser et al. 2019) on weights: signed, per output channel,
/// q = clamp(round(w/s_c), n, p) * s_c, STE for w, the LSQ step gradient for s_c scaled by 1/sqrt(In*p).
/// </summary>
public sealed class LsqWeightQuantizer : WeightQuantizer
{
    private readonly int _n, _p;

    /// <summary>Creates an uninitialised quantizer.</summary>
    public LsqWeightQuantizer(WeightSpec spec, int outFeatures) : base(spec, outFeatures)
    {
        if (spec.Code != WeightCode.Uniform) throw new ArgumentException($"LSQ weights need a uniform spec, not {spec}");
        (_n, _p) = UniformCodec.SignedRange(spec.Bits);
    }

    /// <inheritdoc/>
    public override void Initialize(Tensor weight)
    {
        int outF = weight.Dim(0), inF = weight.Dim(1);
        var w = weight.Data;
        for (int c = 0; c < outF; c++)
        {
            double sum = 0;
            for (int i = 0; i < inF; i++) sum += Math.Abs(w[c * inF + i]);
            Scale.Data[c] = (float)Math.Max(2 * (sum / inF) / Math.Sqrt(_p), 1e-8);
        }
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor weight)
    {
        CheckShape(weight);
        int outF = weight.Dim(0), inF = weight.Dim(1);
        var w = weight.Data;
        var s = Scale.Data;
        var q = Tensor.RentBuffer(w.Length);
        for (int c = 0; c < outF; c++)
        {
            float sc = s[c];
            int row = c * inF;
            for (int i = 0; i < inF; i++)
                q[row + i] = Math.Clamp(Rounding.HalfUp(w[row + i] / sc), _n, _p) * sc;
        }
        float gScale = (float)(1.0 / Math.Sqrt((double)inF * _p));
        int n = _n, p = _p;
        var scale = Scale;
        return Tensor.FromOp(weight.Shape, q, [weight, scale], result =>
        {
            var g = result.Grad!;
            float[]? gw = weight.RequiresGrad ? weight.EnsureGrad() : null;
            float[]? gs = scale.RequiresGrad ? scale.EnsureGrad() : null;
            for (int c = 0; c < outF; c++)
            {
                float sc = s[c];
                int row = c * inF;
                float acc = 0;
                for (int i = 0; i < inF; i++)
                {
                    float v = w[row + i] / sc;
                    float gi = g[row + i];
                    if (v < n) acc += gi * n;
                    else if (v > p) acc += gi * p;
                    else
                    {
                        acc += gi * (Rounding.HalfUp(v) - v);
                        if (gw != null) gw[row + i] += gi;
                    }
                }
                if (gs != null) gs[c] += acc * gScale;
            }
        });
    }
}
