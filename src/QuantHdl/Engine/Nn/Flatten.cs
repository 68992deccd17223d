using QuantHdl.Engine.Tensors;

namespace QuantHdl.Engine.Nn;

/// <summary>Reshapes [B, ...] to [B, rest].</summary>
public class Flatten : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => x.Flatten();
}
