namespace QuantHdl.Compiler.Ir;

/// <summary>The frame on an edge (integer-semantics §7): H x W pixels of C channels; a flat vector is 1 x 1 x C.</summary>
public sealed record EdgeShape(int H, int W, int C)
{
    /// <summary>Elements per frame.</summary>
    public long Size => (long)H * W * C;

    /// <summary>The shape of <paramref name="n"/>'s output edge, from its op.</summary>
    public static EdgeShape Of(IrNode n) => n.Op switch
    {
        InputOp i => new EdgeShape(i.Height, i.Width, i.Size / Math.Max(1, i.Height * i.Width)),
        DenseOp d => new EdgeShape(1, 1, d.Out),
        ConvOp c => new EdgeShape(c.OutH, c.OutW, c.OutC),
        MaxPoolOp p => new EdgeShape(p.InH / p.K, p.InW / p.K, p.C),
        AvgPoolOp p => new EdgeShape(p.InH / p.KH, p.InW / p.KW, p.C),
        null => throw new IrException($"node {n.Name}: missing op"),
        _ => throw new IrException($"node {n.Name}: op {n.Op.GetType().Name} has no edge shape"),
    };

    /// <inheritdoc/>
    public override string ToString() => $"{H}x{W}x{C}";
}
