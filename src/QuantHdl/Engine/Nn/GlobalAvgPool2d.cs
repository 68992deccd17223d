using QuantHdl.Engine.Tensors;

namespace QuantHdl.Engine.Nn;

/// <summary>Mean of each channel plane, [N, C, H, W] to [N, C, 1, 1] (<see cref="Ops.GlobalAvgPool2d"/>).</summary>
public class GlobalAvgPool2d : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => Ops.GlobalAvgPool2d(x);
}
