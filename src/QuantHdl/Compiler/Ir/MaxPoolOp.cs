using System.Text.Json.Serialization;

namespace QuantHdl.Compiler.Ir;

/// <summary>Max pooling of codes over K x K windows at stride K (integer-semantics §8); the output type is the input type.</summary>
public sealed record MaxPoolOp(int InH, int InW, int C, int K) : IrOp
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override OpKind Kind => OpKind.MaxPool;
}
