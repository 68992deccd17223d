namespace QuantHdl.Compiler.Ir;

/// <summary>
/// The closed set of op kinds, one per <see cref="IrOp"/> record. Every stage dispatches on it with a switch
/// expression that has no discard arm, so a new kind is a build error (CS8509) at each stage until that
/// stage handles it (docs/architecture.md, "Adding an op kind").
/// </summary>
public enum OpKind
{
    /// <summary><see cref="InputOp"/>: the network input stream.</summary>
    Input,

    /// <summary><see cref="DenseOp"/>: a fully connected layer.</summary>
    Dense,

    /// <summary><see cref="ConvOp"/>: a 2-D convolution.</summary>
    Conv,

    /// <summary><see cref="MaxPoolOp"/>: max pooling of codes.</summary>
    MaxPool,

    /// <summary><see cref="AvgPoolOp"/>: average pooling with a requantization.</summary>
    AvgPool,

    /// <summary><see cref="AddOp"/>: a residual add of two streams at a common scale.</summary>
    Add,

    /// <summary><see cref="ForkOp"/>: one stream to several consumers, with a FIFO per branch.</summary>
    Fork,
}
