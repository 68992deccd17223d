using QuantHdl.Ir;
using QuantHdl.Nn;
using QuantHdl.Tensors;

namespace QuantHdl.Quant;

/// <summary>A fully connected layer whose weights pass through a <see cref="WeightQuantizer"/>; optional fused ReLU.</summary>
public sealed class QuantLinear : Module
{
    /// <summary>Creates the layer with weights copied from <paramref name="fp"/>, and initialises the quantizer from them.</summary>
    public QuantLinear(Linear fp, WeightSpec spec, bool relu)
    {
        InFeatures = fp.InFeatures;
        OutFeatures = fp.OutFeatures;
        Relu = relu;
        Weight = RegisterParameter("weight", fp.Weight.Clone());
        Bias = RegisterParameter("bias", fp.Bias is null ? Tensor.Zeros(OutFeatures) : fp.Bias.Clone());
        Quantizer = RegisterModule("wq", WeightQuantizer.Create(spec, OutFeatures));
        Quantizer.Initialize(Weight);
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }

    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <summary>True when ReLU follows (fused into the requantization clamp in hardware).</summary>
    public bool Relu { get; }

    /// <summary>Full-precision shadow weights [Out, In].</summary>
    public Tensor Weight { get; }

    /// <summary>Bias [Out].</summary>
    public Tensor Bias { get; }

    /// <summary>The weight quantizer.</summary>
    public WeightQuantizer Quantizer { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        var wq = Quantizer.Forward(Weight);
        return Relu ? Ops.LinearRelu(x, wq, Bias) : Ops.Linear(x, wq, Bias);
    }
}
