namespace QuantHdl.Compiler.Ir.Rules;

/// <summary>The validator rule of <see cref="InputOp"/>: the first node, an unsigned stream whose op and edge agree.</summary>
internal static class InputRule
{
    /// <inheritdoc cref="NodeRule"/>
    public static void Check(IrNode n, IrNode[] sources, int index)
    {
        var op = (InputOp)n.Op;
        if (index != 0) throw new IrException($"node {n.Name}: the input node must come first");
        // It takes no inputs: being first, any input it named would already fail as "not an earlier node".
        if (op.Size != n.OutSize || op.Type != n.OutType || op.Lanes != n.OutLanes)
            throw new IrException($"node {n.Name}: input op and output edge disagree");
        if (op.Type.Signed || op.Type.Width > IrValidator.MaxActivationBits)
            throw new IrException($"node {n.Name}: input type {op.Type} is not supported; use unsigned 1..{IrValidator.MaxActivationBits} bits");
        if (op.Height < 1 || op.Width < 1 || op.Size % (op.Height * op.Width) != 0)
            throw new IrException($"node {n.Name}: a {op.Height}x{op.Width} frame does not divide the {op.Size} input elements into channels");
    }
}
