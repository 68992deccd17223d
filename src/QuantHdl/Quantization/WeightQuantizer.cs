using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;
using QuantHdl.Arithmetic;

namespace QuantHdl.Quantization;

/// <summary>
/// Fake-quantizes a weight matrix [Out, In] per output channel, with a learnable per-channel scale
/// and a straight-through estimator. <see cref="Module.Forward"/> returns the fake-quantized weights.
/// </summary>
public abstract class WeightQuantizer : Module
{
    /// <summary>Creates the quantizer and its per-channel scale parameter.</summary>
    protected WeightQuantizer(WeightSpec spec, int outFeatures)
    {
        Spec = spec;
        Scale = RegisterParameter("scale", Tensor.Zeros(outFeatures));
    }

    /// <summary>The code this quantizer produces.</summary>
    public WeightSpec Spec { get; }

    /// <summary>Per-channel scale: the LSQ step s_c (uniform) or alpha_c (POT/POST).</summary>
    public Tensor Scale { get; }

    /// <summary>True once <see cref="Initialize"/> ran (or a checkpoint restored the scale).</summary>
    public bool Initialized => Scale.Data.Length > 0 && Scale.Data[0] > 0;

    /// <summary>Sets the scale from full-precision weights (algorithms.md initialisation).</summary>
    public abstract void Initialize(Tensor weight);

    /// <summary>A quantizer for <paramref name="spec"/>.</summary>
    public static WeightQuantizer Create(WeightSpec spec, int outFeatures) => spec.Code switch
    {
        WeightCode.Uniform => new LsqWeightQuantizer(spec, outFeatures),
        WeightCode.Pot or WeightCode.Post => new PowerWeightQuantizer(spec, outFeatures),
        _ => throw new ArgumentOutOfRangeException(nameof(spec)),
    };

    /// <summary>Throws when the weight shape does not match the scale.</summary>
    protected void CheckShape(Tensor w)
    {
        if (w.Rank != 2 || w.Dim(0) != Scale.Numel)
            throw new ArgumentException($"weight quantizer for {Scale.Numel} channels got weights of shape [{string.Join(",", w.Shape)}]");
        if (!Initialized) throw new InvalidOperationException("weight quantizer used before Initialize()");
    }
}
