using System.Text.Json.Serialization;

namespace QuantHdl.Compiler.Ir;

/// <summary>
/// Average pooling (integer-semantics §8): the sum over <paramref name="KH"/> x <paramref name="KW"/>
/// windows at stride (KH, KW), held in <paramref name="SumBits"/> unsigned bits, requantized by
/// <paramref name="M0"/> * 2^-<paramref name="Shift"/> with M0 below 2^<paramref name="MultiplierBits"/>,
/// then clamped to the unsigned output type. Global pooling is KH = InH, KW = InW.
/// </summary>
public sealed record AvgPoolOp(int InH, int InW, int C, int KH, int KW, long M0, int Shift, int MultiplierBits, int SumBits) : IrOp
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override OpKind Kind => OpKind.AvgPool;
}
