using System.Text.Json.Serialization;

namespace QuantHdl.Compiler.Ir;

/// <summary>
/// A 2-D convolution (integer-semantics §7): a sliding window over the <paramref name="InH"/> x
/// <paramref name="InW"/> x <paramref name="InC"/> input frame, feeding a dense layer
/// <paramref name="Mvu"/> with <c>In = K*K*InC</c> inputs in (ky, kx, c) order and one output per channel.
/// Grouped and depthwise convs hold zero codes in <paramref name="Mvu"/>'s weights outside each group.
/// The output frame is OutH x OutW x Mvu.Out.
/// </summary>
public sealed record ConvOp(int InH, int InW, int InC, int K, int Stride, int Pad, int Groups, DenseOp Mvu) : IrOp
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override OpKind Kind => OpKind.Conv;

    /// <summary>Output height, floor((InH + 2P - K)/S) + 1.</summary>
    [JsonIgnore]
    public int OutH => (InH + 2 * Pad - K) / Stride + 1;

    /// <summary>Output width, floor((InW + 2P - K)/S) + 1.</summary>
    [JsonIgnore]
    public int OutW => (InW + 2 * Pad - K) / Stride + 1;

    /// <summary>Output channels.</summary>
    [JsonIgnore]
    public int OutC => Mvu.Out;

    /// <summary>True when input channel <paramref name="c"/> belongs to the group of output channel <paramref name="o"/>.</summary>
    public bool InGroup(int o, int c) => c / (InC / Groups) == o / (Mvu.Out / Groups);
}
