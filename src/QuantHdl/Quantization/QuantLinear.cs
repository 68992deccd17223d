using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;
using QuantHdl.Arithmetic;

namespace QuantHdl.Quantization;

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

    /// <summary>
    /// Real step of this layer's input, set by the owning network before each forward. When set,
    /// the bias is fake-quantized to the accumulator unit (integer-semantics §4:
    /// B_c = round(b_c / unit_c)), so training sees the bias the integer model will have.
    /// </summary>
    public double? InputStep { get; set; }

    /// <summary>
    /// Fraction bits F the POST accumulator unit assumes: the deployment's F, which the owning network
    /// assigns from its <see cref="DeploymentSettings"/>.
    /// </summary>
    public int SqrtFracBits { get; set; } = DeploymentSettings.DefaultSqrtFracBits;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        var wq = Quantizer.Forward(Weight);
        var b = InputStep is double step ? BiasGrid.Quantize(Bias, Quantizer, step, SqrtFracBits) : Bias;
        return Relu ? Ops.LinearRelu(x, wq, b) : Ops.Linear(x, wq, b);
    }
}
