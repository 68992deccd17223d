using QuantHdl.Arithmetic;

namespace QuantHdl.Compiler.Ir;

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
                case ConvOp op:
                    if (inputs.Length != 1) throw new IrException($"node {n.Name}: conv takes exactly one input, got {inputs.Length}");
                    CheckConv(n, op, seen[inputs[0]]);
                    break;
                case MaxPoolOp op:
                    if (inputs.Length != 1) throw new IrException($"node {n.Name}: max pool takes exactly one input, got {inputs.Length}");
                    CheckMaxPool(n, op, seen[inputs[0]]);
                    break;
                case AvgPoolOp op:
                    if (inputs.Length != 1) throw new IrException($"node {n.Name}: average pool takes exactly one input, got {inputs.Length}");
                    CheckAvgPool(n, op, seen[inputs[0]]);
                    break;
                case null:
                    throw new IrException($"node {n.Name}: missing op");
                default:
                    throw new IrException($"node {n.Name}: op {n.Op.GetType().Name} is not supported");
            }
            seen.Add(n.Name, n);
        }
        CheckOutput(g);
    }

    /// <summary>
    /// The declared output is the last node (nothing consumes it), and it is a logit layer: a dense
    /// layer with a signed output type and one logit per class.
    /// </summary>
    private static void CheckOutput(IrGraph g)
    {
        if (string.IsNullOrWhiteSpace(g.Output)) throw new IrException($"graph '{g.Name}' declares no output node");
        var last = g.Nodes[^1];
        if (g.Output != last.Name)
        {
            string what = g.Nodes.Any(n => n.Name == g.Output) ? "is not the last node" : "is not a node of the graph";
            throw new IrException($"graph '{g.Name}': declared output '{g.Output}' {what}; the last node is '{last.Name}' (was a node deleted or reordered?)");
        }
        if (g.Classes < 1) throw new IrException($"graph '{g.Name}': {g.Classes} classes; the output needs at least one logit");
        if (last.Op is not DenseOp || !last.OutType.Signed)
            throw new IrException($"graph '{g.Name}': output '{last.Name}' is not a logit layer (a dense layer with signed outputs; hidden layers are unsigned); was the logit layer deleted?");
        if (last.OutSize != g.Classes)
            throw new IrException($"graph '{g.Name}': output '{last.Name}' has {last.OutSize} logits but the graph declares {g.Classes} classes");
    }

    /// <summary>§7: the frame <paramref name="src"/> produces is InH x InW x C, and its beats do not straddle pixels.</summary>
    private static void CheckFrame(string at, IrNode src, int h, int w, int c)
    {
        var shape = EdgeShape.Of(src);
        if (shape.H != h || shape.W != w || shape.C != c)
            throw new IrException($"{at}: expects a {h}x{w}x{c} frame but '{src.Name}' produces {shape}");
        if (c % src.OutLanes != 0)
            throw new IrException($"{at}: the {src.OutLanes} lanes per beat of '{src.Name}' do not divide its {c} channels (a beat must not straddle pixels)");
        if (src.OutType.Signed || src.OutType.Width > MaxActivationBits)
            throw new IrException($"{at}: input type {src.OutType} is not supported; spatial layers take unsigned activations of 1..{MaxActivationBits} bits");
    }

    private static void CheckConv(IrNode n, ConvOp op, IrNode src)
    {
        string at = $"layer {n.Name}";
        if (op.InH < 1 || op.InW < 1 || op.InC < 1) throw new IrException($"{at}: input frame {op.InH}x{op.InW}x{op.InC} must be positive");
        if (op.K < 1 || op.Stride < 1 || op.Pad < 0 || op.Pad >= op.K)
            throw new IrException($"{at}: kernel {op.K}, stride {op.Stride}, padding {op.Pad}: need K >= 1, stride >= 1 and 0 <= padding < K");
        if (op.K > op.InH + 2 * op.Pad || op.K > op.InW + 2 * op.Pad)
            throw new IrException($"{at}: kernel {op.K}x{op.K} is larger than its {op.InH}x{op.InW} input padded by {op.Pad}");
        CheckFrame(at, src, op.InH, op.InW, op.InC);
        var d = op.Mvu ?? throw new IrException($"{at}: missing matrix-vector unit");
        if (op.Groups < 1 || op.InC % op.Groups != 0 || d.Out % op.Groups != 0)
            throw new IrException($"{at}: {op.Groups} groups must divide the {op.InC} input and {d.Out} output channels");
        if (n.OutSize != (long)op.OutH * op.OutW * d.Out)
            throw new IrException($"{at}: its edge declares {n.OutSize} elements but the {op.OutH}x{op.OutW}x{d.Out} output frame has {(long)op.OutH * op.OutW * d.Out}");
        if (d.Weight is not null && d.Weights is not null && d.In == op.K * op.K * op.InC && d.Weights.Length == d.In * d.Out)
            for (int o = 0; o < d.Out; o++)
                for (int i = 0; i < d.In; i++)
                    if (!op.InGroup(o, i % op.InC) && d.Weights[o * d.In + i] != 0)
                        throw new IrException($"{at}: weight [{o},{i}] couples channel {i % op.InC} outside the group of output {o}; grouped convs hold code 0 there");
        // The MVU is a dense layer over one window (§7): In = K*K*InC, one output per channel.
        var windows = src with { Name = $"{src.Name} (windows)", OutSize = op.K * op.K * op.InC };
        CheckDense(n with { OutSize = d.Out }, d, windows);
        if (d.Fold is { } f && op.InC % f.Simd != 0)
            throw new IrException($"{at}: SIMD {f.Simd} must divide the {op.InC} input channels (a window beat holds channels of one pixel)");
    }

    private static void CheckMaxPool(IrNode n, MaxPoolOp op, IrNode src)
    {
        string at = $"layer {n.Name}";
        if (op.K < 2 || op.K > op.InH || op.K > op.InW)
            throw new IrException($"{at}: window {op.K} must be 2..min({op.InH}, {op.InW})");
        CheckFrame(at, src, op.InH, op.InW, op.C);
        if (n.OutType != src.OutType) throw new IrException($"{at}: a max pool keeps the codes, so its output type {n.OutType} must be the input type {src.OutType}");
        CheckPoolEdge(at, n, op.InH / op.K, op.InW / op.K, op.C, src);
    }

    private static void CheckAvgPool(IrNode n, AvgPoolOp op, IrNode src)
    {
        string at = $"layer {n.Name}";
        if (op.KH < 1 || op.KW < 1 || op.KH > op.InH || op.KW > op.InW || op.KH * op.KW < 2)
            throw new IrException($"{at}: window {op.KH}x{op.KW} must fit the {op.InH}x{op.InW} input and cover at least 2 pixels");
        CheckFrame(at, src, op.InH, op.InW, op.C);
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
        CheckPoolEdge(at, n, op.InH / op.KH, op.InW / op.KW, op.C, src);
    }

    private static void CheckPoolEdge(string at, IrNode n, int ho, int wo, int c, IrNode src)
    {
        if (n.OutSize != (long)ho * wo * c)
            throw new IrException($"{at}: its edge declares {n.OutSize} elements but the {ho}x{wo}x{c} output frame has {(long)ho * wo * c}");
        if (n.OutLanes != src.OutLanes)
            throw new IrException($"{at}: a pool keeps its input's {src.OutLanes} lanes per beat, not {n.OutLanes}");
    }

    private static void CheckInput(IrNode n, InputOp op, int idx)
    {
        if (idx != 0) throw new IrException($"node {n.Name}: the input node must come first");
        // It takes no inputs: being first, any input it named would already fail as "not an earlier node".
        if (op.Size != n.OutSize || op.Type != n.OutType || op.Lanes != n.OutLanes)
            throw new IrException($"node {n.Name}: input op and output edge disagree");
        if (op.Type.Signed || op.Type.Width > MaxActivationBits)
            throw new IrException($"node {n.Name}: input type {op.Type} is not supported; use unsigned 1..{MaxActivationBits} bits");
        if (op.Height < 1 || op.Width < 1 || op.Size % (op.Height * op.Width) != 0)
            throw new IrException($"node {n.Name}: a {op.Height}x{op.Width} frame does not divide the {op.Size} input elements into channels");
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

    private static bool IsIdentifier(string s) =>
        (char.IsAsciiLetter(s[0]) || s[0] == '_') && s.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_');
}
