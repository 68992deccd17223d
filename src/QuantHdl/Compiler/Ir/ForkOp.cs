using System.Text.Json.Serialization;

namespace QuantHdl.Compiler.Ir;

/// <summary>
/// A stream fork (integer-semantics §10): its one input's H x W x C stream, unchanged, to every consumer in
/// <paramref name="Branches"/>, each through a FIFO of the branch's depth (0: none). The skip-FIFO pass
/// (Compiler/Passes/SizeSkipFifos.cs) sets the depths; docs/architecture.md "Skip FIFOs" explains them.
/// </summary>
public sealed record ForkOp(int H, int W, int C, ForkBranch[] Branches) : IrOp
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override OpKind Kind => OpKind.Fork;
}

/// <summary>
/// One branch of a fork: the node <paramref name="Consumer"/> that reads it, the FIFO depth in beats on the
/// branch, where the FIFO lives (<paramref name="Storage"/>: "none", "registers", "lutram" or "bram"),
/// whether the analysis shows <see cref="MinDepth"/> to be tight (one beat less deadlocks), and why the depth is
/// what it is.
/// </summary>
public sealed record ForkBranch(string Consumer, int Depth, string Storage, bool Tight, string Reason)
{
    /// <summary>
    /// The fewest beats with which the join cannot deadlock; <see cref="Depth"/> adds the beats that keep the
    /// join at full rate over the other branch's latency.
    /// </summary>
    public int MinDepth { get; init; }

    /// <summary>The reason of a branch the skip-FIFO pass has not sized yet; the RTL emitter refuses it.</summary>
    public const string Unsized = "not sized yet: the skip-FIFO pass sizes it";
}
