using QuantHdl.Engine.Tensors;

namespace QuantHdl.Engine.Nn;

/// <summary>Elementwise <c>max(x, 0)</c>.</summary>
public class ReLU : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => Ops.Relu(x);
}
