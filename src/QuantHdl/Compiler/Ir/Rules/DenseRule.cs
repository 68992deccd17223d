using QuantHdl.Arithmetic;

namespace QuantHdl.Compiler.Ir.Rules;

/// <summary>
/// The validator rule of <see cref="DenseOp"/>: widths, codes, requantization, the §5 accumulator bound and the
/// folding (docs/integer-semantics.md §3-§6).
/// </summary>
internal static class DenseRule
{
    /// <inheritdoc cref="NodeRule"/>
    public static void Check(IrNode n, IrNode[] sources, int index) =>
        CheckLayer(n, (DenseOp)n.Op, RuleChecks.SingleInput(n, sources, "dense"));

    /// <summary>
    /// The checks of a dense layer <paramref name="d"/> reading <paramref name="src"/>; a conv's rule runs them on
    /// its matrix-vector unit over one window.
    /// </summary>
    public static void CheckLayer(IrNode n, DenseOp d, IrNode src)
    {
        string at = $"layer {n.Name}";
        var inType = src.OutType;
        if (inType.Signed || inType.Width > IrValidator.MaxActivationBits)
            throw new IrException($"{at}: input type {inType} is not supported; a dense layer takes unsigned activations of 1..{IrValidator.MaxActivationBits} bits");
        if (d.In != src.OutSize) throw new IrException($"{at}: expects {d.In} inputs but '{src.Name}' produces {src.OutSize}");
        if (d.Out != n.OutSize) throw new IrException($"{at}: has {d.Out} outputs but its edge declares {n.OutSize}");
        if (d.Weight is null) throw new IrException($"{at}: missing weight spec");
        int minBits = WeightSpec.MinBits(d.Weight.Code), maxBits = WeightSpec.MaxBits(d.Weight.Code);
        if (d.Weight.Bits < minBits || d.Weight.Bits > maxBits)
            throw new IrException($"{at}: weight bits {d.Weight.Bits} out of range {minBits}..{maxBits} for {d.Weight.Code} (docs/integer-semantics.md §5)");
        if (d.Weight.Code == WeightCode.Post && !DeploymentSettings.SqrtFracBitsInRange(d.SqrtFracBits))
            throw new IrException($"{at}: SqrtFracBits {d.SqrtFracBits} out of range {DeploymentSettings.SqrtFracBitsRange}");
        var rq = d.Rq ?? throw new IrException($"{at}: missing requantization");
        if (!DeploymentSettings.MultiplierBitsInRange(rq.MultiplierBits))
            throw new IrException($"{at}: multiplier bits {rq.MultiplierBits} out of range {DeploymentSettings.MultiplierBitsRange}");
        // Before any term is computed: the widest sum these weights could make must fit (§5).
        if (DenseCapacity.Refusal(d.Weight, d.In, inType.Width, d.SqrtFracBits, rq.MultiplierBits) is string refusal)
            throw new IrException($"{at}: {refusal}");
        if (d.Weights is null || d.Weights.Length != d.In * d.Out)
            throw new IrException($"{at}: expects {d.In * d.Out} weights, found {d.Weights?.Length ?? 0}");
        for (int i = 0; i < d.Weights.Length; i++)
            if (!WeightArithmetic.IsValidCode(d.Weights[i], d.Weight))
                throw new IrException($"{at}: weight [{i / d.In},{i % d.In}] code {d.Weights[i]} is not a valid {d.Weight} code");
        if (d.Bias is null || d.Bias.Length != d.Out) throw new IrException($"{at}: expects {d.Out} biases, found {d.Bias?.Length ?? 0}");
        if (rq.M0 is null || rq.Shift is null || rq.M0.Length != d.Out || rq.Shift.Length != d.Out)
            throw new IrException($"{at}: requantization needs {d.Out} multipliers and shifts");
        for (int c = 0; c < d.Out; c++)
        {
            if (rq.M0[c] < 0 || rq.M0[c] >= 1L << rq.MultiplierBits)
                throw new IrException($"{at}: channel {c} multiplier {rq.M0[c]} does not fit {rq.MultiplierBits} unsigned bits");
            if (rq.Shift[c] < 1 || rq.Shift[c] > RequantMath.MaxShift)
                throw new IrException($"{at}: channel {c} shift {rq.Shift[c]} out of range 1..{RequantMath.MaxShift}");
        }
        if (!n.OutType.Fits(rq.Lo) || !n.OutType.Fits(rq.Hi) || rq.Lo > rq.Hi)
            throw new IrException($"{at}: clamp range [{rq.Lo}, {rq.Hi}] does not fit the output type {n.OutType}");
        int prod = RequantMath.ProductBits(d.AccBits, rq.MultiplierBits);
        if (d.AccBits < 1 || prod > RequantMath.MaxProductBits)
            throw new IrException($"{at}: an accumulator of {d.AccBits} bits needs a {prod}-bit requant product, which must be 1..{RequantMath.MaxProductBits} bits; lower the weight bits or the multiplier bits, or split the layer");
        var acc = IntType.S(d.AccBits);
        for (int c = 0; c < d.Out; c++)
            if (!acc.Fits(d.Bias[c]))
                throw new IrException($"{at}: channel {c} bias {d.Bias[c]} does not fit the {d.AccBits}-bit accumulator");
        int need = AccumulatorBound.RequiredBits(d.Matrix, inType);
        if (d.AccBits < need)
            throw new IrException($"{at}: accumulator of {d.AccBits} bits is below the {need} bits its weights need");
        var f = d.Fold ?? throw new IrException($"{at}: missing folding");
        if (f.Simd < 1 || d.In % f.Simd != 0) throw new IrException($"{at}: SIMD {f.Simd} does not divide In {d.In}");
        if (f.Pe < 1 || d.Out % f.Pe != 0) throw new IrException($"{at}: PE {f.Pe} does not divide Out {d.Out}");
        if (n.OutLanes != f.Pe) throw new IrException($"{at}: output lanes {n.OutLanes} must equal PE {f.Pe}");
    }
}
