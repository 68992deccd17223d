namespace QuantHdl.Compiler.Ir;

/// <summary>The frame on an edge (integer-semantics §7): H x W pixels of C channels; a flat vector is 1 x 1 x C.</summary>
public sealed record EdgeShape(int H, int W, int C)
{
    /// <summary>Elements per frame.</summary>
    public long Size => (long)H * W * C;

    /// <summary>The shape of <paramref name="n"/>'s output edge, from its op.</summary>
    public static EdgeShape Of(IrNode n)
    {
        var op = n.Op ?? throw new IrException($"node {n.Name}: missing op");
        return op.Kind switch
        {
            OpKind.Input => Shape((InputOp)op, n.OutSize),
            OpKind.Dense => new EdgeShape(1, 1, ((DenseOp)op).Out),
            OpKind.Conv => Shape((ConvOp)op),
            OpKind.MaxPool => Shape((MaxPoolOp)op),
            OpKind.AvgPool => Shape((AvgPoolOp)op),
            OpKind.Add => new EdgeShape(((AddOp)op).H, ((AddOp)op).W, ((AddOp)op).C),
            OpKind.Fork => new EdgeShape(((ForkOp)op).H, ((ForkOp)op).W, ((ForkOp)op).C),
        };
    }

    private static EdgeShape Shape(InputOp i, int size) => new(i.Height, i.Width, size / Math.Max(1, i.Height * i.Width));

    private static EdgeShape Shape(ConvOp c) => new(c.OutH, c.OutW, c.OutC);

    private static EdgeShape Shape(MaxPoolOp p) => new(p.InH / p.K, p.InW / p.K, p.C);

    private static EdgeShape Shape(AvgPoolOp p) => new(p.InH / p.KH, p.InW / p.KW, p.C);

    /// <inheritdoc/>
    public override string ToString() => $"{H}x{W}x{C}";
}
