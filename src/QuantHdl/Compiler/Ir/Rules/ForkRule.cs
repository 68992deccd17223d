namespace QuantHdl.Compiler.Ir.Rules;

/// <summary>
/// The validator rule of <see cref="ForkOp"/> (docs/integer-semantics.md §10): one input, passed on unchanged
/// (type, size, lanes, frame) to at least two distinct branches with valid FIFO depths. That the branch
/// consumers are exactly the nodes reading the fork is a graph check (<see cref="IrValidator"/>).
/// </summary>
internal static class ForkRule
{
    /// <summary>Largest FIFO depth on a branch, in beats.</summary>
    public const int MaxDepth = 1 << 20;

    /// <summary>The storage kinds a branch FIFO may have.</summary>
    public static readonly string[] Storages = ["none", "registers", "lutram", "bram"];

    /// <inheritdoc cref="NodeRule"/>
    public static void Check(IrNode n, IrNode[] sources, int index)
    {
        var op = (ForkOp)n.Op;
        var src = RuleChecks.SingleInput(n, sources, "fork");
        string at = $"fork {n.Name}";
        var shape = EdgeShape.Of(src);
        if (shape.H != op.H || shape.W != op.W || shape.C != op.C)
            throw new IrException($"{at}: expects a {op.H}x{op.W}x{op.C} frame but '{src.Name}' produces {shape}");
        if (n.OutType != src.OutType || n.OutSize != src.OutSize || n.OutLanes != src.OutLanes)
            throw new IrException($"{at}: a fork passes its input on unchanged, so its edge must be {src.OutSize} x {src.OutType} at {src.OutLanes} lanes");
        if (op.Branches is null || op.Branches.Length < 2) throw new IrException($"{at}: a fork needs at least two branches");
        var seen = new HashSet<string>();
        foreach (var b in op.Branches)
        {
            if (b is null || string.IsNullOrEmpty(b.Consumer)) throw new IrException($"{at}: a branch names no consumer");
            if (!seen.Add(b.Consumer)) throw new IrException($"{at}: two branches go to '{b.Consumer}'");
            if (b.Depth < 0 || b.Depth > MaxDepth) throw new IrException($"{at}: the FIFO to '{b.Consumer}' has depth {b.Depth}, outside 0..{MaxDepth}");
            if (!Storages.Contains(b.Storage)) throw new IrException($"{at}: the FIFO to '{b.Consumer}' has storage '{b.Storage}'; one of {string.Join(", ", Storages)}");
            if ((b.Depth == 0) != (b.Storage == "none"))
                throw new IrException($"{at}: the FIFO to '{b.Consumer}' has depth {b.Depth} but storage '{b.Storage}'");
            if (b.Reason is null) throw new IrException($"{at}: the FIFO to '{b.Consumer}' gives no reason for its depth");
        }
    }
}
