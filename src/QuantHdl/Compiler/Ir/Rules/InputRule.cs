namespace QuantHdl.Compiler.Ir.Rules;

/// <summary>The validator rule of <see cref="InputOp"/>: the first node, an unsigned stream whose frame divides its elements.</summary>
internal static class InputRule
{
    /// <inheritdoc cref="NodeRule"/>
    public static void Check(IrNode n, IrNode[] sources, int index)
    {
        var op = (InputOp)n.Op;
        if (index != 0) throw new IrException($"node {n.Name}: the input node must come first");
        // It takes no inputs: being first, any input it named would already fail as "not an earlier node".
        if (n.OutType.Signed || n.OutType.Width > IrValidator.MaxActivationBits)
            throw new IrException($"node {n.Name}: input type {n.OutType} is not supported; use unsigned 1..{IrValidator.MaxActivationBits} bits");
        if (op.Height < 1 || op.Width < 1 || n.OutSize % (op.Height * op.Width) != 0)
            throw new IrException($"node {n.Name}: a {op.Height}x{op.Width} frame does not divide the {n.OutSize} input elements into channels");
    }
}
