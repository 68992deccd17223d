using QuantHdl.Arithmetic;

namespace QuantHdl.Compiler.Ir.Rules;

/// <summary>
/// The validator rule of <see cref="AvgPoolOp"/> (docs/integer-semantics.md §8): the window fits, the sum width
/// holds the widest window sum, and the requantization fits its product.
/// </summary>
internal static class AvgPoolRule
{
    /// <inheritdoc cref="NodeRule"/>
    public static void Check(IrNode n, IrNode[] sources, int index)
    {
        var op = (AvgPoolOp)n.Op;
        var src = RuleChecks.SingleInput(n, sources, "average pool");
        string at = $"layer {n.Name}";
        if (op.KH < 1 || op.KW < 1 || op.KH > op.InH || op.KW > op.InW || op.KH * op.KW < 2)
            throw new IrException($"{at}: window {op.KH}x{op.KW} must fit the {op.InH}x{op.InW} input and cover at least 2 pixels");
        RuleChecks.Frame(at, src, op.InH, op.InW, op.C);
        if (n.OutType.Signed) throw new IrException($"{at}: an average pool of unsigned codes gives unsigned codes, not {n.OutType}");
        // §8: the window sum of KH*KW codes below 2^a is below KH*KW*(2^a - 1) + 1.
        long maxSum = (long)op.KH * op.KW * src.OutType.Max;
        int need = 64 - (int)long.LeadingZeroCount(maxSum);
        if (op.SumBits < need || op.SumBits > 62)
            throw new IrException($"{at}: the window sum needs {need} unsigned bits (at most {maxSum}), the op declares {op.SumBits}");
        if (!DeploymentSettings.MultiplierBitsInRange(op.MultiplierBits))
            throw new IrException($"{at}: multiplier bits {op.MultiplierBits} out of range {DeploymentSettings.MultiplierBitsRange}");
        if (op.M0 < 0 || op.M0 >= 1L << op.MultiplierBits)
            throw new IrException($"{at}: multiplier {op.M0} does not fit {op.MultiplierBits} unsigned bits");
        if (op.Shift < 1 || op.Shift > RequantMath.MaxShift)
            throw new IrException($"{at}: shift {op.Shift} out of range 1..{RequantMath.MaxShift}");
        int prod = RequantMath.ProductBits(op.SumBits + 1, op.MultiplierBits);
        if (prod > RequantMath.MaxProductBits)
            throw new IrException($"{at}: the requant product needs {prod} bits, max is {RequantMath.MaxProductBits}; lower the multiplier bits");
        RuleChecks.PoolEdge(at, n, op.InH / op.KH, op.InW / op.KW, op.C, src);
    }
}
