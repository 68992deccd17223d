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
        double step = m.InputScale;
        var shape = m.Input;
        foreach (var n in m.Nodes)
        {
            var prev = nodes[^1];
            switch (n)
            {
                case DenseSource l:
                {
                    if (l.In != shape.Features) throw new IrException($"layer {l.Name}: expects {l.In} inputs but receives {shape.Features}");
                    CheckStep(l, step);
                    nodes.Add(new IrNode(l.Name, [prev.Name], FreezeDense(l, prev.OutType, sqrtFracBits, multiplierBits), l.OutputType, l.Out, 1, l.OutputStep));
                    (step, shape) = (l.OutputStep, Shape.Flat(l.Out));
                    break;
                }
                case ConvSource c:
                {
                    CheckShape(c.Name, c.Input, shape);
                    var l = c.Window;
                    if (l.In != c.K * c.K * shape.C) throw new IrException($"layer {c.Name}: a {c.K}x{c.K} window over {shape.C} channels has {c.K * c.K * shape.C} inputs, not {l.In}");
                    CheckStep(l, step);
                    var op = new ConvOp(shape.H, shape.W, shape.C, c.K, c.Stride, c.Pad, c.Groups, FreezeDense(l, prev.OutType, sqrtFracBits, multiplierBits));
                    nodes.Add(new IrNode(c.Name, [prev.Name], op, l.OutputType, op.OutH * op.OutW * op.OutC, 1, l.OutputStep));
                    (step, shape) = (l.OutputStep, new Shape(op.OutC, op.OutH, op.OutW));
                    break;
                }
                case MaxPoolSource p:
                {
                    CheckShape(p.Name, p.Input, shape);
                    var op = new MaxPoolOp(shape.H, shape.W, shape.C, p.K);
                    shape = new Shape(shape.C, shape.H / p.K, shape.W / p.K);
                    nodes.Add(new IrNode(p.Name, [prev.Name], op, prev.OutType, checked((int)shape.Features), 1, step));
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
                    shape = new Shape(shape.C, shape.H / p.KH, shape.W / p.KW);
                    nodes.Add(new IrNode(p.Name, [prev.Name], op, p.OutputType, checked((int)shape.Features), 1, p.OutputStep));
                    step = p.OutputStep;
                    break;
                }
                default:
                    throw new IrException($"node {n.Name}: {n.GetType().Name} has no integer form");
            }
        }
        var g = new IrGraph(m.Name, nodes.ToArray()) { Output = nodes[^1].Name, Classes = nodes[^1].OutSize };
        IrValidator.Check(g);
        return g;
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
