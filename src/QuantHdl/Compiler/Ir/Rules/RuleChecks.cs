namespace QuantHdl.Compiler.Ir.Rules;

/// <summary>Checks shared by several op kinds' rules.</summary>
internal static class RuleChecks
{
    /// <summary>The one node a layer reads; <paramref name="what"/> names the op kind in the message.</summary>
    public static IrNode SingleInput(IrNode n, IrNode[] sources, string what) =>
        sources.Length == 1 ? sources[0] : throw new IrException($"node {n.Name}: {what} takes exactly one input, got {sources.Length}");

    /// <summary>§7: the frame <paramref name="src"/> produces is InH x InW x C, and its beats do not straddle pixels.</summary>
    public static void Frame(string at, IrNode src, int h, int w, int c)
    {
        var shape = EdgeShape.Of(src);
        if (shape.H != h || shape.W != w || shape.C != c)
            throw new IrException($"{at}: expects a {h}x{w}x{c} frame but '{src.Name}' produces {shape}");
        if (c % src.OutLanes != 0)
            throw new IrException($"{at}: the {src.OutLanes} lanes per beat of '{src.Name}' do not divide its {c} channels (a beat must not straddle pixels)");
        if (src.OutType.Signed || src.OutType.Width > IrValidator.MaxActivationBits)
            throw new IrException($"{at}: input type {src.OutType} is not supported; spatial layers take unsigned activations of 1..{IrValidator.MaxActivationBits} bits");
    }

    /// <summary>A pool's output edge: the <paramref name="ho"/> x <paramref name="wo"/> x <paramref name="c"/> frame, at its input's lanes.</summary>
    public static void PoolEdge(string at, IrNode n, int ho, int wo, int c, IrNode src)
    {
        if (n.OutSize != (long)ho * wo * c)
            throw new IrException($"{at}: its edge declares {n.OutSize} elements but the {ho}x{wo}x{c} output frame has {(long)ho * wo * c}");
        if (n.OutLanes != src.OutLanes)
            throw new IrException($"{at}: a pool keeps its input's {src.OutLanes} lanes per beat, not {n.OutLanes}");
    }
}
