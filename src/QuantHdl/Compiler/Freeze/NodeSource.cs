namespace QuantHdl.Compiler.Freeze;

/// <summary>
/// One named node of a <see cref="ModelSource"/>, as the freezer reads it: each kind carries its own
/// record (<see cref="DenseSource"/>, <see cref="ConvSource"/>, <see cref="MaxPoolSource"/>,
/// <see cref="AvgPoolSource"/>, <see cref="AddSource"/>). <see cref="Inputs"/> names the nodes it reads
/// ("input" is the network input); left empty, the node takes the previous node's output (the first
/// takes the input), so a chain needs no names. A node whose output two or more nodes read gets a
/// fork in the IR (integer-semantics §10).
/// </summary>
public abstract record NodeSource(string Name)
{
    /// <summary>The nodes this one reads, in operand order; empty means the previous node.</summary>
    public string[] Inputs { get; init; } = [];
}
