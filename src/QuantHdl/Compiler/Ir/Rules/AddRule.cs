using QuantHdl.Arithmetic;

namespace QuantHdl.Compiler.Ir.Rules;

/// <summary>
/// The validator rule of <see cref="AddOp"/> (docs/integer-semantics.md §9): two inputs of the op's frame, the
/// multipliers and the shift in range, and a sum width that holds the largest sum of the two input types.
/// </summary>
internal static class AddRule
{
    /// <inheritdoc cref="NodeRule"/>
    public static void Check(IrNode n, IrNode[] sources, int index)
    {
        var op = (AddOp)n.Op;
        string at = $"add {n.Name}";
        if (sources.Length != 2) throw new IrException($"{at}: an add takes exactly two inputs (main branch, shortcut), got {sources.Length}");
        if (sources[0].Name == sources[1].Name) throw new IrException($"{at}: both inputs are '{sources[0].Name}'");
        foreach (var src in sources)
        {
            var shape = EdgeShape.Of(src);
            if (shape.H != op.H || shape.W != op.W || shape.C != op.C)
                throw new IrException($"{at}: expects two {op.H}x{op.W}x{op.C} frames but '{src.Name}' produces {shape}");
            if (op.C % src.OutLanes != 0)
                throw new IrException($"{at}: the {src.OutLanes} lanes per beat of '{src.Name}' do not divide its {op.C} channels (a beat must not straddle pixels)");
            if (src.OutType.Width > IrValidator.MaxActivationBits)
                throw new IrException($"{at}: input '{src.Name}' of type {src.OutType} is wider than {IrValidator.MaxActivationBits} bits");
        }
        if (!DeploymentSettings.MultiplierBitsInRange(op.MultiplierBits))
            throw new IrException($"{at}: multiplier bits {op.MultiplierBits} out of range {DeploymentSettings.MultiplierBitsRange}");
        foreach (var (m, name) in new[] { (op.MA, "main"), (op.MB, "shortcut") })
            if (m < 0 || m >= 1L << op.MultiplierBits)
                throw new IrException($"{at}: {name} multiplier {m} does not fit {op.MultiplierBits} unsigned bits");
        if (op.Shift < 1 || op.Shift > RequantMath.MaxShift)
            throw new IrException($"{at}: shift {op.Shift} out of range 1..{RequantMath.MaxShift}");
        int need = AddMath.SumBits(sources[0].OutType, sources[1].OutType, op.MA, op.MB);
        if (op.SumBits < need || op.SumBits > RequantMath.MaxProductBits)
            throw new IrException($"{at}: the sum needs {need} signed bits, the op declares {op.SumBits} (at most {RequantMath.MaxProductBits})");
        if (n.OutType.Width > IrValidator.MaxActivationBits)
            throw new IrException($"{at}: output type {n.OutType} is wider than {IrValidator.MaxActivationBits} bits");
        if (n.OutSize != (long)op.H * op.W * op.C)
            throw new IrException($"{at}: its edge declares {n.OutSize} elements but the {op.H}x{op.W}x{op.C} frame has {(long)op.H * op.W * op.C}");
        if (n.OutLanes != sources[0].OutLanes)
            throw new IrException($"{at}: an add emits beats at its main input's {sources[0].OutLanes} lanes, not {n.OutLanes}");
    }
}
