using QuantHdl.Tensors;

namespace QuantHdl.Nn;

/// <summary>Reshapes [B, ...] to [B, rest].</summary>
public class Flatten : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => x.Flatten();
}
