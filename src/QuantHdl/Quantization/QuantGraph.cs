using QuantHdl.Engine.Data;
using QuantHdl.Models;
using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;
using QuantHdl.Engine.Training;
using QuantHdl.Arithmetic;

namespace QuantHdl.Quantization;

/// <summary>
/// The fake-quant network of a BN-free <see cref="LayerGraph"/> (an <c>mlp:</c> model, on flat batches,
/// or a <c>lenet5</c>/<c>cnn:</c> model): the 8-bit image enters exactly
/// (pixel/255); every conv and dense layer has quantized weights and its bias on the accumulator grid;
/// every ReLU becomes the unsigned activation quantizer of its layer's output (registered under the
/// ReLU node's name); max pools pass codes through unchanged; average pools requantize to a step of
/// their own; the last dense layer gives float logits (frozen to signed 16-bit at a calibrated step).
/// Unsupported orders are rejected here, naming the node (docs/models.md).
/// </summary>
public sealed class QuantGraph : Module, IStagedModule
{
    private readonly (LayerNode Node, Module Module)[] _nodes;

    /// <summary>
    /// Builds from a trained full-precision graph; weights are copied and quantizers initialised from them.
    /// Every conv and dense layer puts its bias on the grid of <paramref name="deployment"/>'s F (the
    /// defaults when null), the F the compiler freezes with.
    /// </summary>
    public QuantGraph(LayerGraph fp, WeightSpec weights, ActivationSpec acts, DeploymentSettings? deployment = null)
    {
        Spec = fp.Spec;
        WeightSpec = weights;
        ActivationSpec = acts;
        Deployment = (deployment ?? DeploymentSettings.Default).Check();
        var src = fp.Nodes;
        foreach (var (node, m) in src)
            if (m is BatchNorm2d) throw new ArgumentException($"node {node.Name}: fold batch norms into their convs before QAT (BatchNormFolder)");
        CheckCapacity(Spec, weights, acts, Deployment);
        var list = new List<(LayerNode, Module)>();
        for (int i = 0; i < src.Count; i++)
        {
            var (node, m) = src[i];
            bool last = i + 1 == src.Count;
            bool reluNext = !last && src[i + 1].Node.Layer is ReluSpec;
            Module q = m switch
            {
                Conv2d c when !reluNext => throw new ArgumentException($"node {node.Name}: a hidden conv must be followed by relu (hidden activations are unsigned codes)"),
                Conv2d c => new QuantConv2d(c, weights, relu: true) { SqrtFracBits = Deployment.SqrtFracBits },
                Linear l when !last && !reluNext => throw new ArgumentException($"node {node.Name}: a hidden dense layer must be followed by relu (hidden activations are unsigned codes)"),
                Linear l => new QuantLinear(l, weights, relu: !last) { SqrtFracBits = Deployment.SqrtFracBits },
                ReLU when i == 0 || src[i - 1].Module is not (Conv2d or Linear) =>
                    throw new ArgumentException($"node {node.Name}: relu must directly follow a conv or dense layer, into whose requantization it is fused"),
                ReLU => new LsqActivationQuantizer(acts.Bits),
                MaxPool2d p => new MaxPool2d(p.KernelSize, p.Stride),
                AvgPool2d or GlobalAvgPool2d => new QuantPool(m, acts.Bits),
                _ => throw new ArgumentException($"node {node.Name}: layer {m.GetType().Name} is not supported by QAT"),
            };
            list.Add((node, RegisterModule(node.Name, q)));
        }
        _nodes = list.ToArray();
    }

    /// <summary>
    /// Refuses, before any training, a weight code that some conv or dense layer cannot hold
    /// (integer-semantics §5, <see cref="DenseCapacity"/>): the check the freezer makes at compile time,
    /// with the deployment's F and multiplier width. A conv's row is its K*K*C_in window
    /// (the §7 matrix, codes 0 outside the group included); the first layer reads the 8-bit pixels.
    /// </summary>
    public static void CheckCapacity(ModelSpec spec, WeightSpec weights, ActivationSpec acts, DeploymentSettings deployment)
    {
        var shape = spec.Input;
        bool first = true;
        foreach (var n in spec.Nodes)
        {
            long inputs = n.Layer switch
            {
                ConvSpec c => (long)c.K * c.K * shape.C,
                DenseSpec => shape.Features,
                _ => 0,
            };
            if (inputs > 0)
            {
                int actBits = first ? InputType.Width : acts.Bits;
                if (DenseCapacity.Refusal(weights, checked((int)inputs), actBits, deployment.SqrtFracBits, deployment.MultiplierBits) is string refusal)
                    throw new ArgumentException($"layer {n.Name}: {refusal}");
                first = false;
            }
            shape = n.OutShape;
        }
    }

    /// <summary>The network input: raw 8-bit pixels (integer-semantics §1).</summary>
    public static IntType InputType => IntType.U(8);

    /// <summary>The (BN-free) architecture.</summary>
    public ModelSpec Spec { get; }

    /// <summary>The weight code of every conv and dense layer.</summary>
    public WeightSpec WeightSpec { get; }

    /// <summary>The activation quantizer of every hidden edge.</summary>
    public ActivationSpec ActivationSpec { get; }

    /// <summary>The F and multiplier width the bias grid and the capacity checks assume; the compiler freezes with them.</summary>
    public DeploymentSettings Deployment { get; }

    /// <summary>The nodes with their fake-quant modules, in order.</summary>
    public IReadOnlyList<(LayerNode Node, Module Module)> Nodes => _nodes;

    /// <summary>True when batches are [N, C, H, W].</summary>
    public bool TakesImages => !Spec.IsMlp;

    /// <summary>Logit step for 16-bit signed logits (<see cref="LogitCalibration"/>), on image batches for a CNN.</summary>
    public double CalibrateLogitStep(IdxDataset data, int samples = 2048) => LogitCalibration.Step(this, data, TakesImages, samples);

    /// <summary>Quantizer scales: per-channel weight scales and activation steps.</summary>
    public IReadOnlyList<Tensor> ScaleParameters() => _nodes.SelectMany(n => n.Module switch
    {
        QuantConv2d c => [c.Quantizer.Scale],
        QuantLinear l => [l.Quantizer.Scale],
        LsqActivationQuantizer a => [a.Step],
        QuantPool p => new[] { p.Quantizer.Step },
        _ => Array.Empty<Tensor>(),
    }).ToList();

    /// <summary>Everything else: weights and biases.</summary>
    public IReadOnlyList<Tensor> WeightParameters()
    {
        var scales = new HashSet<Tensor>(ScaleParameters(), ReferenceEqualityComparer.Instance);
        return Parameters().Where(p => !scales.Contains(p)).ToList();
    }

    /// <summary>
    /// The real step of every node's output edge, in node order: the activation quantizer's step for a
    /// layer followed by ReLU and for the ReLU itself, the input's step for a max pool, the pool's own
    /// quantizer step for an average pool, and null for the logits. Null also where a step is not yet
    /// initialised.
    /// </summary>
    public double?[] EdgeSteps()
    {
        var steps = new double?[_nodes.Length];
        double? step = 1.0 / 255;
        for (int i = 0; i < _nodes.Length; i++)
        {
            var m = _nodes[i].Module;
            step = m switch
            {
                QuantConv2d or QuantLinear when i + 1 < _nodes.Length && _nodes[i + 1].Module is LsqActivationQuantizer a => a.Initialized ? a.Step.Data[0] : null,
                QuantLinear => null,
                LsqActivationQuantizer a => a.Initialized ? a.Step.Data[0] : null,
                QuantPool p => p.Quantizer.Initialized ? p.Quantizer.Step.Data[0] : null,
                _ => step,
            };
            steps[i] = step;
        }
        return steps;
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        foreach (var (_, y) in ForwardStages(x)) x = y;
        return x;
    }

    /// <summary>The forward pass one node at a time (for <see cref="Trainer"/>'s diagnosis of a non-finite loss).</summary>
    public IEnumerable<(string Name, Tensor Output)> ForwardStages(Tensor x)
    {
        double? step = 1.0 / 255;
        for (int i = 0; i < _nodes.Length; i++)
        {
            var (node, m) = _nodes[i];
            switch (m)
            {
                case QuantConv2d c:
                    c.InputStep = step;
                    break;
                case QuantLinear l:
                    l.InputStep = step;
                    if (x.Rank > 2) x = x.Flatten();
                    break;
            }
            x = m.Forward(x);
            step = m switch
            {
                LsqActivationQuantizer a => a.Initialized ? a.Step.Data[0] : null,
                QuantPool p => p.Quantizer.Initialized ? p.Quantizer.Step.Data[0] : null,
                _ => step,
            };
            yield return (node.Name, x);
        }
    }
}
