using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;

namespace QuantHdl.Quantization;

/// <summary>
/// Average or global average pooling followed by its own unsigned activation quantizer: the pooled
/// sum is requantized in hardware (integer-semantics §8), so the output has a step of its own.
/// </summary>
public sealed class QuantPool : Module
{
    private readonly Module _pool;

    /// <summary>Wraps <paramref name="pool"/> (an <see cref="AvgPool2d"/> or <see cref="GlobalAvgPool2d"/>).</summary>
    public QuantPool(Module pool, int bits)
    {
        if (pool is not (AvgPool2d or GlobalAvgPool2d)) throw new ArgumentException($"QuantPool takes an average pool, not {pool.GetType().Name}");
        _pool = pool;
        Quantizer = RegisterModule("aq", new LsqActivationQuantizer(bits));
    }

    /// <summary>The pooling module.</summary>
    public Module Pool => _pool;

    /// <summary>The output quantizer.</summary>
    public LsqActivationQuantizer Quantizer { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => Quantizer.Forward(_pool.Forward(x));
}
