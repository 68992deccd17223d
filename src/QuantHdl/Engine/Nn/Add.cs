using QuantHdl.Engine.Tensors;

namespace QuantHdl.Engine.Nn;

/// <summary>
/// The residual add <c>a + b</c> of two same-shape tensors (<see cref="Ops.Add"/>); the gradient reaches
/// both operands unchanged. It has two inputs, so a graph calls <see cref="Forward(Tensor, Tensor)"/>.
/// </summary>
public sealed class Add : Module
{
    /// <summary>Not defined for one input; throws.</summary>
    public override Tensor Forward(Tensor x) => throw new InvalidOperationException("an add takes two inputs; call Forward(a, b)");

    /// <summary>The elementwise sum; shapes must be equal.</summary>
    public Tensor Forward(Tensor a, Tensor b) => Ops.Add(a, b);
}
