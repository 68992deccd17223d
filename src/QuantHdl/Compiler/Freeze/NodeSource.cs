namespace QuantHdl.Compiler.Freeze;

/// <summary>
/// One named node of a <see cref="ModelSource"/>, as the freezer reads it: each kind carries its own
/// record (<see cref="DenseSource"/>, <see cref="ConvSource"/>, <see cref="MaxPoolSource"/>,
/// <see cref="AvgPoolSource"/>). The node takes the previous node's output (the first takes the input).
/// </summary>
public abstract record NodeSource(string Name);
