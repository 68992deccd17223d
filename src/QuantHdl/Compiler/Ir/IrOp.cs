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
public abstract record IrOp
{
    /// <summary>This op's kind, for exhaustive dispatch. Not serialized: the "op" discriminator names the kind in ir.json.</summary>
    [JsonIgnore]
    public abstract OpKind Kind { get; }
}

/// <summary>
/// The network input stream: <paramref name="Size"/> elements of <paramref name="Type"/> at real scale
/// <paramref name="Scale"/>, <paramref name="Lanes"/> per beat. A spatial input is a frame of
/// <see cref="Height"/> x <see cref="Width"/> pixels of Size / (Height * Width) channels (integer-semantics §7);
/// a flat one has Height = Width = 1.
/// </summary>
public sealed record InputOp(int Size, IntType Type, double Scale, int Lanes) : IrOp
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override OpKind Kind => OpKind.Input;

    /// <summary>Frame height in pixels (1 for a flat vector).</summary>
    public int Height { get; init; } = 1;

    /// <summary>Frame width in pixels (1 for a flat vector).</summary>
    public int Width { get; init; } = 1;
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
