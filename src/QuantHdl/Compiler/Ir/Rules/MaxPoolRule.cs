namespace QuantHdl.Compiler.Ir.Rules;

/// <summary>The validator rule of <see cref="MaxPoolOp"/> (docs/integer-semantics.md §8): the window fits, the codes keep their type.</summary>
internal static class MaxPoolRule
{
    /// <inheritdoc cref="NodeRule"/>
    public static void Check(IrNode n, IrNode[] sources, int index)
    {
        var op = (MaxPoolOp)n.Op;
        var src = RuleChecks.SingleInput(n, sources, "max pool");
        string at = $"layer {n.Name}";
        if (op.K < 2 || op.K > op.InH || op.K > op.InW)
            throw new IrException($"{at}: window {op.K} must be 2..min({op.InH}, {op.InW})");
        RuleChecks.Frame(at, src, op.InH, op.InW, op.C);
        if (n.OutType != src.OutType) throw new IrException($"{at}: a max pool keeps the codes, so its output type {n.OutType} must be the input type {src.OutType}");
        RuleChecks.PoolEdge(at, n, op.InH / op.K, op.InW / op.K, op.C, src);
    }
}
