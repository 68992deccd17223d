using System.Text.Json.Serialization;
using QuantHdl.Arithmetic;

namespace QuantHdl.Compiler.Ir;

/// <summary>
/// The closed set of IR operations. Consumers switch over <see cref="Kind"/>, never over the CLR type, so the
/// compiler checks that every kind is handled.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "op")]
[JsonDerivedType(typeof(InputOp), "input")]
[JsonDerivedType(typeof(DenseOp), "dense")]
[JsonDerivedType(typeof(ConvOp), "conv")]
[JsonDerivedType(typeof(MaxPoolOp), "maxpool")]
[JsonDerivedType(typeof(AvgPoolOp), "avgpool")]
[JsonDerivedType(typeof(AddOp), "add")]
[JsonDerivedType(typeof(ForkOp), "fork")]
public abstract record IrOp
{
    /// <summary>This op's kind, for exhaustive dispatch. Not serialized: the "op" discriminator names the kind in ir.json.</summary>
    [JsonIgnore]
    public abstract OpKind Kind { get; }
}

/// <summary>
/// The network input stream. Its element count, type, scale and lanes per beat are its node's output edge
/// (<see cref="IrNode"/>), stated once there; the op adds only the frame: <paramref name="Height"/> x
/// <paramref name="Width"/> pixels of OutSize / (Height * Width) channels (integer-semantics §7), or 1 x 1 for
/// a flat vector.
/// </summary>
public sealed record InputOp(int Height = 1, int Width = 1) : IrOp
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override OpKind Kind => OpKind.Input;
}

/// <summary>
/// A fully connected layer with integer weights, bias and requantization, run on a matrix-vector unit.
/// <paramref name="Weights"/> is row-major [Out, In]: signed integers for uniform codes, sign+index codes for POT/POST.
/// <paramref name="AccBits"/> is the signed accumulator width, at least the bound of §5.
/// </summary>
public sealed record DenseOp(
    int In,
    int Out,
    WeightSpec Weight,
    int SqrtFracBits,
    int[] Weights,
    long[] Bias,
    Requant Rq,
    int AccBits,
    Folding Fold) : IrOp
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override OpKind Kind => OpKind.Dense;

    /// <summary>The weights as the arithmetic core sees them, for the accumulator bound and the terms.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public WeightMatrix Matrix => new(In, Out, Weight, SqrtFracBits, Weights, Bias);
}
