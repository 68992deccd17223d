using QuantHdl.Engine.Tensors;

namespace QuantHdl.Engine.Nn;

/// <summary>Fully connected layer <c>y = x · Weightᵀ + Bias</c> (PyTorch layout).</summary>
public class Linear : Module
{
    /// <summary>Creates the layer with PyTorch's default initialization: weight and bias ~ U(-1/sqrt(in), 1/sqrt(in)).</summary>
    /// <param name="inFeatures">Input width.</param>
    /// <param name="outFeatures">Output width.</param>
    /// <param name="rng">Source of the initial values (weights first, row by row, then the bias).</param>
    /// <param name="bias">Whether to create a bias.</param>
    public Linear(int inFeatures, int outFeatures, Random rng, bool bias = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        ArgumentNullException.ThrowIfNull(rng);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        double bound = 1.0 / Math.Sqrt(inFeatures);
        Weight = RegisterParameter("weight", new Tensor(new[] { outFeatures, inFeatures }, Init.Uniform(rng, outFeatures * inFeatures, bound)));
        if (bias) Bias = RegisterParameter("bias", new Tensor(new[] { outFeatures }, Init.Uniform(rng, outFeatures, bound)));
    }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>Output width.</summary>
    public int OutFeatures { get; }

    /// <summary>Weight, [out, in].</summary>
    public Tensor Weight { get; }

    /// <summary>Bias, [out], or null when created without one.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => Ops.Linear(x, Weight, Bias);
}
