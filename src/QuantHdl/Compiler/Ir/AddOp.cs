using System.Text.Json.Serialization;

namespace QuantHdl.Compiler.Ir;

/// <summary>
/// A residual add (integer-semantics §9) of two H x W x C edges: the node's first input (the main branch)
/// times <paramref name="MA"/> plus its second (the shortcut) times <paramref name="MB"/>, both below
/// 2^<paramref name="MultiplierBits"/>, summed exactly in <paramref name="SumBits"/> signed bits, then
/// rshift_round by <paramref name="Shift"/> and clamped to the node's output type (unsigned: ReLU fused).
/// </summary>
public sealed record AddOp(int H, int W, int C, long MA, long MB, int Shift, int MultiplierBits, int SumBits) : IrOp
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override OpKind Kind => OpKind.Add;
}
