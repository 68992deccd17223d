namespace QuantHdl.Ir;

/// <summary>
/// Checks every invariant the simulator and the emitter rely on. Runs after freezing and after
/// every pass; throws <see cref="IrException"/> with a message that names the node.
/// </summary>
public static class IrValidator
{
    /// <summary>Largest supported activation width: the POST lane table has 2^a entries.</summary>
    public const int MaxActivationBits = 16;

    /// <summary>Throws on the first violated invariant.</summary>
    public static void Check(IrGraph g)
    {
        if (g.Format != "quanthdl-ir") throw new IrException($"format '{g.Format}' is not quanthdl-ir");
        if (g.Version != 1) throw new IrException($"ir version {g.Version} is not supported; this build reads version 1");
        if (g.Nodes is null || g.Nodes.Length < 2) throw new IrException($"graph '{g.Name}' needs an input node and at least one layer");
        var seen = new Dictionary<string, IrNode>();
        for (int idx = 0; idx < g.Nodes.Length; idx++)
        {
            var n = g.Nodes[idx] ?? throw new IrException($"node {idx} of graph '{g.Name}' is null");
            if (string.IsNullOrWhiteSpace(n.Name) || !IsIdentifier(n.Name))
                throw new IrException($"node {idx}: name '{n.Name}' is not a valid identifier ([A-Za-z_][A-Za-z0-9_]*)");
            if (seen.ContainsKey(n.Name)) throw new IrException($"node {n.Name}: duplicate name");
            if (n.OutType is null) throw new IrException($"node {n.Name}: missing output type");
            if (n.OutSize < 1) throw new IrException($"node {n.Name}: output size {n.OutSize} must be positive");
            if (n.OutLanes < 1 || n.OutSize % n.OutLanes != 0)
                throw new IrException($"node {n.Name}: {n.OutLanes} lanes per beat do not divide the output size {n.OutSize}");
            var inputs = n.Inputs ?? [];
            foreach (var i in inputs)
                if (!seen.ContainsKey(i)) throw new IrException($"node {n.Name}: input '{i}' is not an earlier node");
            switch (n.Op)
            {
                case InputOp op:
                    CheckInput(n, op, idx);
                    break;
                case DenseOp op:
                    if (inputs.Length != 1) throw new IrException($"node {n.Name}: dense takes exactly one input, got {inputs.Length}");
                    CheckDense(n, op, seen[inputs[0]]);
                    break;
                case null:
                    throw new IrException($"node {n.Name}: missing op");
                default:
                    throw new IrException($"node {n.Name}: op {n.Op.GetType().Name} is not supported");
            }
            seen.Add(n.Name, n);
        }
    }

    private static void CheckInput(IrNode n, InputOp op, int idx)
    {
        if (idx != 0) throw new IrException($"node {n.Name}: the input node must come first");
        // It takes no inputs: being first, any input it named would already fail as "not an earlier node".
        if (op.Size != n.OutSize || op.Type != n.OutType || op.Lanes != n.OutLanes)
            throw new IrException($"node {n.Name}: input op and output edge disagree");
        if (op.Type.Signed || op.Type.Width > MaxActivationBits)
            throw new IrException($"node {n.Name}: input type {op.Type} is not supported; use unsigned 1..{MaxActivationBits} bits");
    }

    private static void CheckDense(IrNode n, DenseOp d, IrNode src)
    {
        string at = $"layer {n.Name}";
        var inType = src.OutType;
        if (inType.Signed || inType.Width > MaxActivationBits)
            throw new IrException($"{at}: input type {inType} is not supported; a dense layer takes unsigned activations of 1..{MaxActivationBits} bits");
        if (d.In != src.OutSize) throw new IrException($"{at}: expects {d.In} inputs but '{src.Name}' produces {src.OutSize}");
        if (d.Out != n.OutSize) throw new IrException($"{at}: has {d.Out} outputs but its edge declares {n.OutSize}");
        if (d.Weight is null) throw new IrException($"{at}: missing weight spec");
        int minBits = WeightSpec.MinBits(d.Weight.Code), maxBits = WeightSpec.MaxBits(d.Weight.Code);
        if (d.Weight.Bits < minBits || d.Weight.Bits > maxBits)
            throw new IrException($"{at}: weight bits {d.Weight.Bits} out of range {minBits}..{maxBits} for {d.Weight.Code} (docs/integer-semantics.md §5)");
        if (d.Weight.Code == WeightCode.Post && (d.SqrtFracBits < WeightArithmetic.MinSqrtFracBits || d.SqrtFracBits > WeightArithmetic.MaxSqrtFracBits))
            throw new IrException($"{at}: SqrtFracBits {d.SqrtFracBits} out of range {WeightArithmetic.MinSqrtFracBits}..{WeightArithmetic.MaxSqrtFracBits}");
        var rq = d.Rq ?? throw new IrException($"{at}: missing requantization");
        if (rq.MultiplierBits < RequantMath.MinMultiplierBits || rq.MultiplierBits > RequantMath.MaxMultiplierBits)
            throw new IrException($"{at}: multiplier bits {rq.MultiplierBits} out of range {RequantMath.MinMultiplierBits}..{RequantMath.MaxMultiplierBits}");
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
        int need = AccumulatorBound.RequiredBits(d, inType);
        if (d.AccBits < need)
            throw new IrException($"{at}: accumulator of {d.AccBits} bits is below the {need} bits its weights need");
        var f = d.Fold ?? throw new IrException($"{at}: missing folding");
        if (f.Simd < 1 || d.In % f.Simd != 0) throw new IrException($"{at}: SIMD {f.Simd} does not divide In {d.In}");
        if (f.Pe < 1 || d.Out % f.Pe != 0) throw new IrException($"{at}: PE {f.Pe} does not divide Out {d.Out}");
        if (n.OutLanes != f.Pe) throw new IrException($"{at}: output lanes {n.OutLanes} must equal PE {f.Pe}");
    }

    private static bool IsIdentifier(string s) =>
        (char.IsAsciiLetter(s[0]) || s[0] == '_') && s.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_');
}
