using QuantHdl.Engine.Tensors;

namespace QuantHdl.Engine.Nn;

/// <summary>2-D convolution over [N, C, H, W] inputs (<see cref="Ops.Conv2d"/>), PyTorch layout and defaults.</summary>
public class Conv2d : Module
{
    /// <summary>
    /// Creates the layer with PyTorch's default initialization: weight and bias ~ U(-1/sqrt(fanIn), 1/sqrt(fanIn)),
    /// fanIn = inChannels/groups · kernelSize².
    /// </summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelSize">Side of the square kernel.</param>
    /// <param name="rng">Source of the initial values (weights first, in [out, in, kh, kw] order, then the bias).</param>
    /// <param name="stride">Step between windows.</param>
    /// <param name="padding">Zero padding on every side.</param>
    /// <param name="groups">Channel groups; groups = inChannels = outChannels is depthwise.</param>
    /// <param name="bias">Whether to create a bias.</param>
    public Conv2d(int inChannels, int outChannels, int kernelSize, Random rng, int stride = 1, int padding = 0, int groups = 1, bool bias = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        ArgumentNullException.ThrowIfNull(rng);
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"groups {groups} must divide inChannels {inChannels} and outChannels {outChannels}.");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Groups = groups;
        int fanIn = inChannels / groups * kernelSize * kernelSize;
        double bound = 1.0 / Math.Sqrt(fanIn);
        Weight = RegisterParameter("weight", new Tensor(new[] { outChannels, inChannels / groups, kernelSize, kernelSize },
            Init.Uniform(rng, outChannels * fanIn, bound)));
        if (bias) Bias = RegisterParameter("bias", new Tensor(new[] { outChannels }, Init.Uniform(rng, outChannels, bound)));
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Side of the square kernel.</summary>
    public int KernelSize { get; }

    /// <summary>Step between windows.</summary>
    public int Stride { get; }

    /// <summary>Zero padding on every side.</summary>
    public int Padding { get; }

    /// <summary>Channel groups.</summary>
    public int Groups { get; }

    /// <summary>Weight, [out, in/groups, k, k].</summary>
    public Tensor Weight { get; }

    /// <summary>Bias, [out], or null when created without one.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => Ops.Conv2d(x, Weight, Bias, Stride, Padding, Groups);
}
