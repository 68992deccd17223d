using QuantHdl.Tensors;

namespace QuantHdl.Nn;

/// <summary>Mean of each channel plane, [N, C, H, W] to [N, C, 1, 1] (<see cref="Ops.GlobalAvgPool2d"/>).</summary>
public class GlobalAvgPool2d : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => Ops.GlobalAvgPool2d(x);
}
