using QuantHdl.Engine.Tensors;

namespace QuantHdl.Engine.Nn;

/// <summary>
/// Batch normalization over the channels of [N, C, H, W] inputs (<see cref="Ops.BatchNorm2d"/>), as PyTorch's
/// <c>BatchNorm2d</c>: batch statistics and a running-statistics update while <see cref="Module.Training"/>,
/// the running statistics after <see cref="Module.Eval"/>.
/// </summary>
public class BatchNorm2d : Module
{
    /// <summary>Creates the layer: gamma = 1, beta = 0, running mean 0, running variance 1.</summary>
    /// <param name="numFeatures">Channels C.</param>
    /// <param name="eps">Added to the variance before the square root.</param>
    /// <param name="momentum">Weight of each new batch in the running statistics (PyTorch's convention).</param>
    public BatchNorm2d(int numFeatures, float eps = 1e-5f, float momentum = 0.1f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numFeatures);
        if (!(eps > 0f)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be positive.");
        if (!(momentum >= 0f && momentum <= 1f)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1].");
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        Weight = RegisterParameter("weight", new Tensor(new[] { numFeatures }, Enumerable.Repeat(1f, numFeatures).ToArray()));
        Bias = RegisterParameter("bias", Tensor.Zeros(numFeatures));
        RunningMean = RegisterBuffer("running_mean", Tensor.Zeros(numFeatures));
        RunningVar = RegisterBuffer("running_var", new Tensor(new[] { numFeatures }, Enumerable.Repeat(1f, numFeatures).ToArray()));
    }

    /// <summary>Channels C.</summary>
    public int NumFeatures { get; }

    /// <summary>Added to the variance before the square root.</summary>
    public float Eps { get; }

    /// <summary>Weight of each new batch in the running statistics.</summary>
    public float Momentum { get; }

    /// <summary>Scale gamma, [C] (PyTorch's name: weight).</summary>
    public Tensor Weight { get; }

    /// <summary>Shift beta, [C] (PyTorch's name: bias).</summary>
    public Tensor Bias { get; }

    /// <summary>Running mean, [C]; a buffer.</summary>
    public Tensor RunningMean { get; }

    /// <summary>Running (unbiased) variance, [C]; a buffer.</summary>
    public Tensor RunningVar { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => Ops.BatchNorm2d(x, Weight, Bias, RunningMean, RunningVar, Training, Momentum, Eps);
}
