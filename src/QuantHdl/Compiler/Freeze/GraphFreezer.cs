using QuantHdl.Compiler.Ir;
using QuantHdl.Models;
using QuantHdl.Engine.Nn;
using QuantHdl.Quantization;
using QuantHdl.Arithmetic;

namespace QuantHdl.Compiler.Freeze;

/// <summary>
/// Freezes a trained <see cref="QuantGraph"/> into an integer IR (integer-semantics §3-§8). Each conv
/// and dense layer becomes one node with its ReLU fused into the clamp (the ReLU node disappears); a
/// conv's window matrix has its columns in the (ky, kx, c) order of §7 with code 0 outside each group;
/// a dense layer after a spatial edge has its columns permuted from PyTorch's (c, y, x) flatten order
/// to the stream's (y, x, c) order; pools keep their node names.
/// </summary>
public static class GraphFreezer
{
    /// <summary>Freezes; the result passes <see cref="IrValidator"/> with folding 1x1.</summary>
    public static IrGraph Freeze(QuantGraph q, string name, double logitStep, int sqrtFracBits, int multiplierBits)
    {
        if (!(logitStep > 0)) throw new IrException($"model {name}: logit step {logitStep} must be positive");
        var input = q.Spec.Input;
        var u8 = IntType.U(8);
        var nodes = new List<IrNode>
        {
            new("input", [], new InputOp(checked((int)input.Features), u8, 1.0 / 255, 1) { Height = input.H, Width = input.W }, u8, checked((int)input.Features), 1, 1.0 / 255),
        };
        var shape = input;
        double step = 1.0 / 255;
        var steps = q.EdgeSteps();
        var actType = IntType.U(q.ActivationSpec.Bits);
        for (int i = 0; i < q.Nodes.Count; i++)
        {
            var (node, m) = q.Nodes[i];
            var prev = nodes[^1];
            switch (m)
            {
                case QuantConv2d c:
                {
                    double outStep = steps[i] ?? throw Uninitialised(node.Name);
                    var l = new LayerSource(node.Name, c.KernelSize * c.KernelSize * c.InChannels, c.OutChannels, WindowMatrix(c),
                        (float[])c.Bias.Data.Clone(), q.WeightSpec, (float[])c.Quantizer.Scale.Data.Clone(), step, outStep, actType, Relu: true);
                    var mvu = Freezer.FreezeDense(l, prev.OutType, sqrtFracBits, multiplierBits);
                    var op = new ConvOp(shape.H, shape.W, shape.C, c.KernelSize, c.Stride, c.Padding, c.Groups, mvu);
                    nodes.Add(new IrNode(node.Name, [prev.Name], op, actType, op.OutH * op.OutW * op.OutC, 1, outStep));
                    step = outStep;
                    break;
                }
                case QuantLinear d:
                {
                    bool last = i + 1 == q.Nodes.Count;
                    double outStep = last ? logitStep : steps[i] ?? throw Uninitialised(node.Name);
                    var outType = last ? IntType.S(16) : actType;
                    var weights = shape.IsFlat ? (float[])d.Weight.Data.Clone() : ToStreamOrder(d.Weight.Data, d.OutFeatures, shape);
                    var l = new LayerSource(node.Name, d.InFeatures, d.OutFeatures, weights, (float[])d.Bias.Data.Clone(),
                        q.WeightSpec, (float[])d.Quantizer.Scale.Data.Clone(), step, outStep, outType, Relu: !last);
                    nodes.Add(new IrNode(node.Name, [prev.Name], Freezer.FreezeDense(l, prev.OutType, sqrtFracBits, multiplierBits), outType, d.OutFeatures, 1, outStep));
                    step = outStep;
                    break;
                }
                case LsqActivationQuantizer:
                    break; // fused into the layer before it
                case MaxPool2d p:
                {
                    var op = new MaxPoolOp(shape.H, shape.W, shape.C, p.KernelSize);
                    nodes.Add(new IrNode(node.Name, [prev.Name], op, prev.OutType, (shape.H / p.KernelSize) * (shape.W / p.KernelSize) * shape.C, 1, step));
                    break;
                }
                case QuantPool p:
                {
                    double outStep = steps[i] ?? throw Uninitialised(node.Name);
                    var (kh, kw) = p.Pool is AvgPool2d a ? (a.KernelSize, a.KernelSize) : (shape.H, shape.W);
                    // §8: y = sum * s_x / (KH*KW*s_y), by an integer multiplier and shift.
                    var (m0, k) = RequantMath.Choose(step / (kh * kw * outStep), multiplierBits, node.Name);
                    long maxSum = (long)kh * kw * prev.OutType.Max;
                    int sumBits = 64 - (int)long.LeadingZeroCount(maxSum);
                    var op = new AvgPoolOp(shape.H, shape.W, shape.C, kh, kw, m0, k, multiplierBits, sumBits);
                    nodes.Add(new IrNode(node.Name, [prev.Name], op, actType, (shape.H / kh) * (shape.W / kw) * shape.C, 1, outStep));
                    step = outStep;
                    break;
                }
                default:
                    throw new IrException($"node {node.Name}: {m.GetType().Name} has no integer form");
            }
            shape = node.OutShape;
        }
        var g = new IrGraph(name, nodes.ToArray()) { Output = nodes[^1].Name, Classes = nodes[^1].OutSize };
        IrValidator.Check(g);
        return g;
    }

    private static IrException Uninitialised(string node) =>
        new($"node {node}: its activation step was never initialised; train at least one batch first");

    /// <summary>
    /// The conv weights [C_out, C_in/G, K, K] as the §7 window matrix [C_out, K*K*C_in]: column
    /// (ky*K + kx)*C_in + c, zero where c is outside the output channel's group.
    /// </summary>
    internal static float[] WindowMatrix(QuantConv2d c)
    {
        int k = c.KernelSize, cin = c.InChannels, cout = c.OutChannels, cg = cin / c.Groups, og = cout / c.Groups;
        int len = k * k * cin;
        var w = c.Weight.Data;
        var m = new float[cout * len];
        for (int o = 0; o < cout; o++)
        {
            int g = o / og;
            for (int ci = 0; ci < cg; ci++)
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++)
                        m[o * len + (ky * k + kx) * cin + g * cg + ci] = w[((o * cg + ci) * k + ky) * k + kx];
        }
        return m;
    }

    /// <summary>Dense weights [Out, C*H*W] in (c, y, x) column order to the stream's (y, x, c) order (§7).</summary>
    internal static float[] ToStreamOrder(float[] w, int outs, Shape s)
    {
        int len = s.C * s.H * s.W;
        var m = new float[outs * len];
        for (int o = 0; o < outs; o++)
            for (int c = 0; c < s.C; c++)
                for (int y = 0; y < s.H; y++)
                    for (int x = 0; x < s.W; x++)
                        m[o * len + (y * s.W + x) * s.C + c] = w[o * len + (c * s.H + y) * s.W + x];
        return m;
    }
}
