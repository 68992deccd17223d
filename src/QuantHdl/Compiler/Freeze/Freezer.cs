using QuantHdl.Compiler.Ir;
using QuantHdl.Models;
using QuantHdl.Arithmetic;

namespace QuantHdl.Compiler.Freeze;

/// <summary>
/// Turns a trained fake-quant network (<see cref="ModelSource"/>) into an integer IR
/// (integer-semantics §3-§8): weight codes from the same codecs the training forward uses, integer
/// biases at the accumulator unit, per-channel (M0, k) requantization with ReLU fused into the clamp,
/// and accumulator widths from bounds. Each dense and conv node becomes one IR node (a conv is a
/// sliding window over the dense arithmetic of its window matrix); pools keep their names.
/// </summary>
public static class Freezer
{
    /// <summary>Freezes; the result passes <see cref="IrValidator"/> with folding 1x1.</summary>
    public static IrGraph Freeze(ModelSource m)
    {
        if (m.Nodes.Length == 0) throw new IrException($"model {m.Name} has no layers to freeze");
        if (m.Deployment.Refusal() is string bad) throw new IrException($"model {m.Name}: {bad}");
        int sqrtFracBits = m.Deployment.SqrtFracBits, multiplierBits = m.Deployment.MultiplierBits;
        var size = checked((int)m.Input.Features);
        var nodes = new List<IrNode>
        {
            new("input", [], new InputOp(m.Input.H, m.Input.W), m.InputType, size, 1, m.InputScale),
        };
        // Each node's output step and shape, by name; a node without named inputs reads the one before it.
        var edges = new Dictionary<string, (IrNode Node, double Step, Shape Shape)> { ["input"] = (nodes[0], m.InputScale, m.Input) };
        string previous = "input";
        foreach (var n in m.Nodes)
        {
            if (n.Name == "input" || edges.ContainsKey(n.Name)) throw new IrException($"node {n.Name}: duplicate name");
            var inputs = n.Inputs is { Length: > 0 } named ? named : [previous];
            foreach (var i in inputs)
                if (!edges.ContainsKey(i)) throw new IrException($"node {n.Name}: input '{i}' is not an earlier node");
            if (n is not AddSource && inputs.Length != 1) throw new IrException($"node {n.Name}: takes one input, not {inputs.Length} ({string.Join(", ", inputs)})");
            var (prev, step, shape) = edges[inputs[0]];
            IrNode node;
            double outStep;
            Shape outShape;
            switch (n)
            {
                case DenseSource l:
                {
                    if (l.In != shape.Features) throw new IrException($"layer {l.Name}: expects {l.In} inputs but receives {shape.Features}");
                    CheckStep(l, step);
                    node = new IrNode(l.Name, [prev.Name], FreezeDense(l, prev.OutType, sqrtFracBits, multiplierBits), l.OutputType, l.Out, 1, l.OutputStep);
                    (outStep, outShape) = (l.OutputStep, Shape.Flat(l.Out));
                    break;
                }
                case ConvSource c:
                {
                    CheckShape(c.Name, c.Input, shape);
                    var l = c.Window;
                    if (l.In != c.K * c.K * shape.C) throw new IrException($"layer {c.Name}: a {c.K}x{c.K} window over {shape.C} channels has {c.K * c.K * shape.C} inputs, not {l.In}");
                    CheckStep(l, step);
                    var op = new ConvOp(shape.H, shape.W, shape.C, c.K, c.Stride, c.Pad, c.Groups, FreezeDense(l, prev.OutType, sqrtFracBits, multiplierBits));
                    node = new IrNode(c.Name, [prev.Name], op, l.OutputType, op.OutH * op.OutW * op.OutC, 1, l.OutputStep);
                    (outStep, outShape) = (l.OutputStep, new Shape(op.OutC, op.OutH, op.OutW));
                    break;
                }
                case MaxPoolSource p:
                {
                    CheckShape(p.Name, p.Input, shape);
                    var op = new MaxPoolOp(shape.H, shape.W, shape.C, p.K);
                    outShape = new Shape(shape.C, shape.H / p.K, shape.W / p.K);
                    node = new IrNode(p.Name, [prev.Name], op, prev.OutType, checked((int)outShape.Features), 1, step);
                    outStep = step;
                    break;
                }
                case AvgPoolSource p:
                {
                    CheckShape(p.Name, p.Input, shape);
                    if (!(p.OutputStep > 0)) throw new IrException($"layer {p.Name}: output step {p.OutputStep} must be positive");
                    // §8: y = sum * s_x / (KH*KW*s_y), by an integer multiplier and shift.
                    var (m0, k) = RequantMath.Choose(step / (p.KH * p.KW * p.OutputStep), multiplierBits, p.Name);
                    long maxSum = (long)p.KH * p.KW * prev.OutType.Max;
                    int sumBits = 64 - (int)long.LeadingZeroCount(maxSum);
                    var op = new AvgPoolOp(shape.H, shape.W, shape.C, p.KH, p.KW, m0, k, multiplierBits, sumBits);
                    outShape = new Shape(shape.C, shape.H / p.KH, shape.W / p.KW);
                    node = new IrNode(p.Name, [prev.Name], op, p.OutputType, checked((int)outShape.Features), 1, p.OutputStep);
                    outStep = p.OutputStep;
                    break;
                }
                case AddSource a:
                {
                    if (inputs.Length != 2) throw new IrException($"add {a.Name}: takes two inputs (main branch, shortcut), not {inputs.Length}");
                    var (other, otherStep, otherShape) = edges[inputs[1]];
                    CheckShape(a.Name, a.Input, shape);
                    CheckShape(a.Name, a.Input, otherShape);
                    node = FreezeAdd(a, prev, step, other, otherStep, multiplierBits);
                    (outStep, outShape) = (a.OutputStep, shape);
                    break;
                }
                default:
                    throw new IrException($"node {n.Name}: {n.GetType().Name} has no integer form");
            }
            nodes.Add(node);
            edges[n.Name] = (node, outStep, outShape);
            previous = n.Name;
        }
        var g = new IrGraph(m.Name, InsertForks(nodes).ToArray()) { Output = nodes[^1].Name, Classes = nodes[^1].OutSize };
        IrValidator.Check(g);
        return g;
    }

    /// <summary>Suffix of the fork node that a stream read by several nodes gets.</summary>
    public const string ForkSuffix = "_fork";

    /// <summary>
    /// §10: after every node read by several nodes, a fork whose branches go to those readers (in graph
    /// order), which then read the fork. The branch FIFOs are sized later, by the skip-FIFO pass.
    /// </summary>
    internal static List<IrNode> InsertForks(List<IrNode> nodes)
    {
        var readers = nodes.ToDictionary(n => n.Name, n => nodes.Where(r => r.Inputs.Contains(n.Name)).Select(r => r.Name).ToList());
        var forkOf = new Dictionary<string, string>();
        var result = new List<IrNode>();
        foreach (var n in nodes)
        {
            result.Add(n with { Inputs = n.Inputs.Select(i => forkOf.GetValueOrDefault(i, i)).ToArray() });
            if (readers[n.Name].Count < 2) continue;
            string name = n.Name + ForkSuffix;
            if (readers.ContainsKey(name)) throw new IrException($"node {n.Name}: its fork would be named '{name}', which is taken by another node");
            var shape = EdgeShape.Of(n);
            var branches = readers[n.Name].Select(r => new ForkBranch(r, 0, "none", false, ForkBranch.Unsized)).ToArray();
            result.Add(new IrNode(name, [n.Name], new ForkOp(shape.H, shape.W, shape.C, branches), n.OutType, n.OutSize, n.OutLanes, n.OutScale));
            forkOf[n.Name] = name;
        }
        return result;
    }

    /// <summary>
    /// §9: the add of <paramref name="a"/> (main, at step <paramref name="sa"/>) and <paramref name="b"/>
    /// (shortcut, at <paramref name="sb"/>) at a common scale: one shared shift, two multipliers.
    /// </summary>
    private static IrNode FreezeAdd(AddSource s, IrNode a, double sa, IrNode b, double sb, int multiplierBits)
    {
        if (!(s.OutputStep > 0)) throw new IrException($"add {s.Name}: output step {s.OutputStep} must be positive");
        if (s.Relu == s.OutputType.Signed)
            throw new IrException($"add {s.Name}: {(s.Relu ? "a ReLU output must be unsigned" : "an output without ReLU must be signed")}, not {s.OutputType}");
        var (ma, mb, k) = AddMath.Choose(sa / s.OutputStep, sb / s.OutputStep, multiplierBits, s.Name);
        int sumBits = AddMath.SumBits(a.OutType, b.OutType, ma, mb);
        if (sumBits > RequantMath.MaxProductBits)
            throw new IrException($"add {s.Name}: the sum needs {sumBits} bits, more than {RequantMath.MaxProductBits}; lower the multiplier bits");
        var shape = s.Input;
        var op = new AddOp(shape.H, shape.W, shape.C, ma, mb, k, multiplierBits, sumBits);
        return new IrNode(s.Name, [a.Name, b.Name], op, s.OutputType, checked((int)shape.Features), 1, s.OutputStep);
    }

    private static void CheckShape(string name, Shape expected, Shape actual)
    {
        if (expected != actual) throw new IrException($"layer {name}: expects a {expected.Text} input but receives {actual.Text}");
    }

    private static void CheckStep(DenseSource l, double step)
    {
        if (Math.Abs(l.InputStep - step) > 1e-12 * Math.Abs(step))
            throw new IrException($"layer {l.Name}: input step {l.InputStep} differs from the previous output step {step}");
    }

    /// <summary>Freezes one dense layer (or the window matrix of a conv) on input type <paramref name="inType"/>; folding 1x1.</summary>
    internal static DenseOp FreezeDense(DenseSource l, IntType inType, int sqrtFracBits, int multiplierBits)
    {
        if (l.Weight.Length != l.In * l.Out) throw new IrException($"layer {l.Name}: {l.Weight.Length} weights for {l.Out}x{l.In}");
        if (l.Bias.Length != l.Out || l.ChannelScale.Length != l.Out)
            throw new IrException($"layer {l.Name}: needs {l.Out} biases and channel scales");
        if (!(l.OutputStep > 0)) throw new IrException($"layer {l.Name}: output step {l.OutputStep} must be positive");
        if (l.Relu && l.OutputType.Signed) throw new IrException($"layer {l.Name}: a ReLU output must be unsigned, not {l.OutputType}");
        // The validator checks this too, but the bound below is computed first and must not wrap.
        if (DenseCapacity.Refusal(l.Spec, l.In, inType.Width, sqrtFracBits, multiplierBits) is string refusal)
            throw new IrException($"layer {l.Name}: {refusal}");
        var codes = new int[l.Weight.Length];
        var codec = l.Spec.Code == WeightCode.Uniform ? null : new PowerCodec(l.Spec);
        var (n, p) = UniformCodec.SignedRange(l.Spec.Bits);
        for (int c = 0; c < l.Out; c++)
        {
            float s = l.ChannelScale[c];
            if (!(s > 0) || float.IsInfinity(s)) throw new IrException($"layer {l.Name}: channel {c} scale {s} must be positive and finite");
            for (int i = 0; i < l.In; i++)
            {
                float w = l.Weight[c * l.In + i];
                codes[c * l.In + i] = codec is null ? UniformCodec.Code(w, s, n, p) : codec.Code(w / s);
            }
        }
        int shift = WeightArithmetic.UnitShift(l.Spec, sqrtFracBits);
        // The widest accumulator whose requant product still fits (§5) bounds every bias.
        int maxAccBits = RequantMath.MaxProductBits - multiplierBits - 1;
        double maxBias = Math.Pow(2, maxAccBits - 1) - 1;
        var bias = new long[l.Out];
        var m0 = new long[l.Out];
        var k = new int[l.Out];
        for (int c = 0; c < l.Out; c++)
        {
            double unit = (double)l.ChannelScale[c] * l.InputStep * Math.Pow(2, -shift);
            double b = Rounding.HalfUp(l.Bias[c] / unit);
            if (!(Math.Abs(b) <= maxBias))
                throw new IrException($"layer {l.Name}: channel {c} bias {l.Bias[c]} is {b:G3} accumulator units of {unit:G3}, more than a {maxAccBits}-bit accumulator " +
                    $"(the widest whose {multiplierBits}-bit requant product fits {RequantMath.MaxProductBits} bits) holds; its channel scale {l.ChannelScale[c]} is too small for the bias");
            bias[c] = (long)b;
            (m0[c], k[c]) = RequantMath.Choose(unit / l.OutputStep, multiplierBits, l.Name);
        }
        var rq = l.Relu
            ? new Requant(m0, k, 0, l.OutputType.Max, multiplierBits)
            : new Requant(m0, k, l.OutputType.Min, l.OutputType.Max, multiplierBits);
        var draft = new DenseOp(l.In, l.Out, l.Spec, sqrtFracBits, codes, bias, rq, 0, new Folding(1, 1));
        return draft with { AccBits = AccumulatorBound.RequiredBits(draft.Matrix, inType) };
    }
}
