using QuantHdl.Compiler.Ir;
using QuantHdl.Quantization;
using QuantHdl.Arithmetic;

namespace QuantHdl.Compiler.Freeze;

/// <summary>
/// Turns a trained fake-quant model into an integer IR (integer-semantics §3-§5): weight codes from
/// the same codecs the training forward uses, integer biases at the accumulator unit, per-channel
/// (M0, k) requantization with ReLU fused into the clamp, and accumulator widths from bounds.
/// </summary>
public static class Freezer
{
    /// <summary>Freezes; the result passes <see cref="IrValidator"/> with folding 1x1.</summary>
    public static IrGraph Freeze(ModelSource m)
    {
        if (m.Layers.Length == 0) throw new IrException($"model {m.Name} has no layers to freeze");
        var nodes = new List<IrNode>
        {
            new("input", [], new InputOp(m.InputSize, m.InputType, m.InputScale, 1), m.InputType, m.InputSize, 1, m.InputScale),
        };
        double inStep = m.InputScale;
        var inType = m.InputType;
        int inSize = m.InputSize;
        foreach (var l in m.Layers)
        {
            if (l.In != inSize) throw new IrException($"layer {l.Name}: expects {l.In} inputs but receives {inSize}");
            if (Math.Abs(l.InputStep - inStep) > 1e-12 * Math.Abs(inStep))
                throw new IrException($"layer {l.Name}: input step {l.InputStep} differs from the previous output step {inStep}");
            var op = FreezeDense(l, inType, m.SqrtFracBits, m.MultiplierBits);
            nodes.Add(new IrNode(l.Name, [nodes[^1].Name], op, l.OutputType, l.Out, 1, l.OutputStep));
            inStep = l.OutputStep;
            inType = l.OutputType;
            inSize = l.Out;
        }
        var g = new IrGraph(m.Name, nodes.ToArray()) { Output = nodes[^1].Name, Classes = nodes[^1].OutSize };
        IrValidator.Check(g);
        return g;
    }

    /// <summary>Freezes one dense layer (or the window matrix of a conv) on input type <paramref name="inType"/>; folding 1x1.</summary>
    internal static DenseOp FreezeDense(LayerSource l, IntType inType, int sqrtFracBits, int multiplierBits)
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
