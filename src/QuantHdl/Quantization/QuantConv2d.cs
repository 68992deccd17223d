using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;
using QuantHdl.Arithmetic;

namespace QuantHdl.Quantization;

/// <summary>
/// A convolution whose weights pass through a per-output-channel <see cref="WeightQuantizer"/> (the
/// weights of channel o are the row o of the [C_out, C_in/G * K * K] matrix), with an optional fused
/// ReLU and the bias on the accumulator grid, as <see cref="QuantLinear"/> has.
/// </summary>
public sealed class QuantConv2d : Module
{
    /// <summary>
    /// Creates the layer with weights copied from <paramref name="fp"/>, and initialises the quantizer from
    /// them. With <paramref name="signedOutputBits"/> (a conv that feeds a residual add, so without ReLU)
    /// its output passes through a signed LSQ activation quantizer of that width, registered as <c>aq</c>.
    /// </summary>
    public QuantConv2d(Conv2d fp, WeightSpec spec, bool relu, int? signedOutputBits = null)
    {
        if (relu && signedOutputBits is not null) throw new ArgumentException("a conv with a fused ReLU has an unsigned output; it takes no signed output quantizer");
        InChannels = fp.InChannels;
        OutChannels = fp.OutChannels;
        KernelSize = fp.KernelSize;
        Stride = fp.Stride;
        Padding = fp.Padding;
        Groups = fp.Groups;
        Relu = relu;
        Weight = RegisterParameter("weight", fp.Weight.Clone());
        Bias = RegisterParameter("bias", fp.Bias is null ? Tensor.Zeros(OutChannels) : fp.Bias.Clone());
        Quantizer = RegisterModule("wq", WeightQuantizer.Create(spec, OutChannels));
        using (Tensor.NoGrad()) Quantizer.Initialize(Weight.Reshape(OutChannels, Weight.Numel / OutChannels));
        if (signedOutputBits is int bits) OutputQuantizer = RegisterModule("aq", new LsqActivationQuantizer(bits, signed: true));
    }

    /// <summary>The signed quantizer of the output of a conv that feeds a residual add, or null.</summary>
    public LsqActivationQuantizer? OutputQuantizer { get; }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Side K of the K x K kernel.</summary>
    public int KernelSize { get; }

    /// <summary>Stride.</summary>
    public int Stride { get; }

    /// <summary>Zero padding.</summary>
    public int Padding { get; }

    /// <summary>Groups (C_in for depthwise).</summary>
    public int Groups { get; }

    /// <summary>True when ReLU follows (fused into the requantization clamp in hardware).</summary>
    public bool Relu { get; }

    /// <summary>Full-precision shadow weights [C_out, C_in/G, K, K].</summary>
    public Tensor Weight { get; }

    /// <summary>Bias [C_out].</summary>
    public Tensor Bias { get; }

    /// <summary>The weight quantizer, per output channel.</summary>
    public WeightQuantizer Quantizer { get; }

    /// <summary>Real step of this layer's input, set by the owning network; when set the bias is on the accumulator grid (§4).</summary>
    public double? InputStep { get; set; }

    /// <summary>Fraction bits F the POST accumulator unit assumes: the deployment's F, assigned by the owning network.</summary>
    public int SqrtFracBits { get; set; } = DeploymentSettings.DefaultSqrtFracBits;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        var wq = Quantizer.Forward(Weight.Reshape(OutChannels, Weight.Numel / OutChannels)).Reshape(Weight.Shape);
        var b = InputStep is double step ? BiasGrid.Quantize(Bias, Quantizer, step, SqrtFracBits) : Bias;
        var y = Ops.Conv2d(x, wq, b, Stride, Padding, Groups);
        if (OutputQuantizer is not null) return OutputQuantizer.Forward(y);
        return Relu ? Ops.Relu(y) : y;
    }
}
