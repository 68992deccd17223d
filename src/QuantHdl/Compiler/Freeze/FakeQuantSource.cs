using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Ir;
using QuantHdl.Engine.Nn;
using QuantHdl.Models;
using QuantHdl.Quantization;

namespace QuantHdl.Compiler.Freeze;

/// <summary>
/// Reads a trained <see cref="QuantGraph"/> (an <c>mlp:</c>, <c>lenet5</c>, <c>cnn:</c>, <c>resnet8</c> or
/// JSON model) into the <see cref="ModelSource"/> the <see cref="Freezer"/> takes. The dependency runs
/// one way: the freezer side reads the fake-quant modules, which know nothing of the compiler. Each conv
/// and dense layer becomes one node with the ReLU after it fused (the ReLU node, whose activation
/// quantizer gives the layer's output step, disappears, and its readers read the layer); a conv that
/// feeds an add has no ReLU and gives signed A+4-bit codes at its output quantizer's step; an add
/// becomes an <see cref="AddSource"/> with the ReLU after it fused, at that ReLU's step. A node that
/// reads anything but the node emitted just before it names its inputs (<see cref="NodeSource.Inputs"/>),
/// so a chain comes out with none. A conv's weights become its §7 window matrix; a dense layer after a
/// spatial edge has its columns permuted from PyTorch's (c, y, x) flatten order to the stream's
/// (y, x, c) order; the last dense layer gives signed 16-bit logits at the calibrated logit step.
/// </summary>
public static class FakeQuantSource
{
    /// <summary>The source records of <paramref name="q"/>, with <paramref name="logitStep"/> for the logits and <paramref name="q"/>'s deployment settings.</summary>
    public static ModelSource From(QuantGraph q, string name, double logitStep)
    {
        if (!(logitStep > 0)) throw new IrException($"model {name}: logit step {logitStep} must be positive");
        foreach (var (asqNode, a) in q.AsqQuantizers())
            if (a.Initialized && !a.Calibrated)
                throw new IrException($"node {asqNode}: its ASQ static beta is not calibrated; AsqCalibration (run at the end of qat) folds beta into the step (docs/asq.md)");
        var steps = q.EdgeSteps();
        var index = q.Nodes.Select((n, i) => (n.Node.Name, i)).ToDictionary(p => p.Name, p => p.i);
        var actType = IntType.U(q.ActivationSpec.Bits);
        // Per spec node: the emitted node that carries its output (a ReLU's is the layer it is fused into).
        var carrier = new Dictionary<string, string> { [ModelSpec.InputName] = ModelSpec.InputName };
        var shapes = new Dictionary<string, Shape> { [ModelSpec.InputName] = q.Spec.Input };
        var nodes = new List<NodeSource>();
        for (int i = 0; i < q.Nodes.Count; i++)
        {
            var (node, m) = q.Nodes[i];
            var sources = ModelSpec.SourcesOf(node);
            var shape = shapes[sources[0]];
            double? SourceStep(string s) => s == ModelSpec.InputName ? 1.0 / 255 : steps[index[s]];
            double step = SourceStep(sources[0]) ?? throw Uninitialised(sources[0]);
            // Inputs stay empty where the node reads the one emitted just before it (or, first, the network input).
            string from = carrier[sources[0]];
            string[] inputs = from == (nodes.Count == 0 ? ModelSpec.InputName : nodes[^1].Name) ? [] : [from];
            carrier[node.Name] = node.Name;
            shapes[node.Name] = node.OutShape;
            switch (m)
            {
                case QuantConv2d c:
                {
                    double outStep = steps[i] ?? throw Uninitialised(node.Name);
                    bool preAdd = c.OutputQuantizer is not null;
                    var window = new DenseSource(node.Name, c.KernelSize * c.KernelSize * c.InChannels, c.OutChannels, WindowMatrix(c),
                        (float[])c.Bias.Data.Clone(), q.WeightSpec, (float[])c.Quantizer.Scale.Data.Clone(), step, outStep,
                        preAdd ? IntType.S(c.OutputQuantizer!.Bits) : actType, Relu: !preAdd);
                    nodes.Add(new ConvSource(node.Name, shape, c.KernelSize, c.Stride, c.Padding, c.Groups, window) { Inputs = inputs });
                    break;
                }
                case QuantLinear d:
                {
                    bool last = i + 1 == q.Nodes.Count;
                    double outStep = last ? logitStep : steps[i] ?? throw Uninitialised(node.Name);
                    var weights = shape.IsFlat ? (float[])d.Weight.Data.Clone() : ToStreamOrder(d.Weight.Data, d.OutFeatures, shape);
                    nodes.Add(new DenseSource(node.Name, d.InFeatures, d.OutFeatures, weights, (float[])d.Bias.Data.Clone(),
                        q.WeightSpec, (float[])d.Quantizer.Scale.Data.Clone(), step, outStep, last ? IntType.S(16) : actType, Relu: !last) { Inputs = inputs });
                    break;
                }
                case LsqActivationQuantizer or AsqActivationQuantizer:
                    carrier[node.Name] = from; // fused into the layer or add it reads
                    break;
                case MaxPool2d p:
                    nodes.Add(new MaxPoolSource(node.Name, shape, p.KernelSize) { Inputs = inputs });
                    break;
                case QuantPool p:
                {
                    double outStep = steps[i] ?? throw Uninitialised(node.Name);
                    var (kh, kw) = p.Pool is AvgPool2d a ? (a.KernelSize, a.KernelSize) : (shape.H, shape.W);
                    nodes.Add(new AvgPoolSource(node.Name, shape, kh, kw, outStep, actType) { Inputs = inputs });
                    break;
                }
                case Add:
                {
                    foreach (var s in sources) _ = SourceStep(s) ?? throw Uninitialised(s);
                    double outStep = steps[i] ?? throw Uninitialised(node.Name);
                    nodes.Add(new AddSource(node.Name, shape, outStep, actType, Relu: true) { Inputs = sources.Select(s => carrier[s]).ToArray() });
                    break;
                }
                default:
                    throw new IrException($"node {node.Name}: {m.GetType().Name} has no integer form");
            }
        }
        return new ModelSource(name, q.Spec.Input, QuantGraph.InputType, 1.0 / 255, nodes.ToArray()) { Deployment = q.Deployment };
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
