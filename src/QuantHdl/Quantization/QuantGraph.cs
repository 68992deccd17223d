using QuantHdl.Engine.Data;
using QuantHdl.Models;
using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;
using QuantHdl.Engine.Training;
using QuantHdl.Arithmetic;

namespace QuantHdl.Quantization;

/// <summary>
/// The fake-quant network of a BN-free <see cref="LayerGraph"/> (an <c>mlp:</c> model, on flat batches,
/// or a <c>lenet5</c>/<c>cnn:</c>/<c>resnet8</c>/JSON model): the 8-bit image enters exactly
/// (pixel/255); every conv and dense layer has quantized weights and its bias on the accumulator grid;
/// every ReLU becomes the unsigned activation quantizer of its layer's output (LSQ, or ASQ with an
/// <see cref="ActivationKind.Asq"/> spec; registered under the ReLU node's name); a conv that feeds a residual add has no ReLU and a signed quantizer of
/// A + 4 bits on its output; an add sums its two (fake-quantized) operands and the ReLU after it
/// quantizes the sum (integer-semantics §9); max pools pass codes through unchanged; average pools
/// requantize to a step of their own; the last dense layer gives float logits (frozen to signed 16-bit
/// at a calibrated step). Unsupported orders are rejected here, naming the node (docs/models.md).
/// </summary>
public sealed class QuantGraph : Module, IStagedModule
{
    /// <summary>Bits a pre-add conv output has beyond the activation width A (docs/models.md "Residual adds").</summary>
    public const int ResidualExtraBits = 4;

    private readonly (LayerNode Node, Module Module)[] _nodes;
    private readonly int[][] _sources; // per node, the node indices it reads (-1: the network input)
    private readonly int[] _reader;    // per node, its only reader's index, or -1 (several, or none)

    /// <summary>
    /// Builds from a trained full-precision graph; weights are copied and quantizers initialised from them.
    /// Every conv and dense layer puts its bias on the grid of <paramref name="deployment"/>'s F (the
    /// defaults when null), the F the compiler freezes with. With ASQ activations every ReLU's quantizer is an
    /// <see cref="AsqActivationQuantizer"/> whose adapter is drawn from <paramref name="seed"/> and the node's index.
    /// </summary>
    public QuantGraph(LayerGraph fp, WeightSpec weights, ActivationSpec acts, DeploymentSettings? deployment = null, int seed = 0)
    {
        Spec = fp.Spec;
        WeightSpec = weights;
        ActivationSpec = acts;
        Deployment = (deployment ?? DeploymentSettings.Default).Check();
        var src = fp.Nodes;
        foreach (var (node, m) in src)
            if (m is BatchNorm2d) throw new ArgumentException($"node {node.Name}: fold batch norms into their convs before QAT (BatchNormFolder)");
        CheckCapacity(Spec, weights, acts, Deployment);
        var index = Spec.Nodes.Select((n, i) => (n.Name, i)).ToDictionary(p => p.Name, p => p.i);
        index[ModelSpec.InputName] = -1;
        _sources = Spec.Nodes.Select(n => ModelSpec.SourcesOf(n).Select(s => index[s]).ToArray()).ToArray();
        var readers = Spec.Readers();
        _reader = Spec.Nodes.Select(n => readers[n.Name] is [var r] ? index[r] : -1).ToArray();
        bool ReadOnlyBy<T>(int i) => _reader[i] >= 0 && src[_reader[i]].Module is T;
        var list = new List<(LayerNode, Module)>();
        for (int i = 0; i < src.Count; i++)
        {
            var (node, m) = src[i];
            bool last = i + 1 == src.Count;
            int a0 = _sources[i][0];
            Module q = m switch
            {
                Conv2d c when ReadOnlyBy<ReLU>(i) => new QuantConv2d(c, weights, relu: true) { SqrtFracBits = Deployment.SqrtFracBits },
                Conv2d c when ReadOnlyBy<Add>(i) => new QuantConv2d(c, weights, relu: false, signedOutputBits: ResidualBits(node, acts)) { SqrtFracBits = Deployment.SqrtFracBits },
                Conv2d => throw new ArgumentException($"node {node.Name}: a hidden conv must be followed by relu as its only reader (hidden activations are unsigned codes), or be read by one add only"),
                Linear l when last => new QuantLinear(l, weights, relu: false) { SqrtFracBits = Deployment.SqrtFracBits },
                Linear l when ReadOnlyBy<ReLU>(i) => new QuantLinear(l, weights, relu: true) { SqrtFracBits = Deployment.SqrtFracBits },
                Linear => throw new ArgumentException($"node {node.Name}: a hidden dense layer must be followed by relu as its only reader (hidden activations are unsigned codes)"),
                ReLU when a0 < 0 || src[a0].Module is not (Conv2d or Linear or Add) || _reader[a0] != i =>
                    throw new ArgumentException($"node {node.Name}: relu must directly follow a conv or dense layer (or an add), as its only reader, into whose requantization it is fused"),
                ReLU when acts.IsAsq => new AsqActivationQuantizer(acts.Bits, node.OutShape.C, new Random(unchecked(seed * 1000003 + i))),
                ReLU => new LsqActivationQuantizer(acts.Bits),
                Add when !ReadOnlyBy<ReLU>(i) => throw new ArgumentException($"node {node.Name}: an add must be read by one relu only, which quantizes its sum to unsigned codes"),
                Add when _sources[i].Any(s => s >= 0 && src[s].Module is Linear) =>
                    throw new ArgumentException($"node {node.Name}: an add reads convs, relus and pools, not a dense layer"),
                Add => new Add(),
                MaxPool2d p => new MaxPool2d(p.KernelSize, p.Stride),
                AvgPool2d or GlobalAvgPool2d => new QuantPool(m, acts.Bits),
                _ => throw new ArgumentException($"node {node.Name}: layer {m.GetType().Name} is not supported by QAT"),
            };
            list.Add((node, RegisterModule(node.Name, q)));
        }
        _nodes = list.ToArray();
    }

    private static int ResidualBits(LayerNode node, ActivationSpec acts)
    {
        int bits = acts.Bits + ResidualExtraBits;
        if (bits > 16) throw new ArgumentException($"node {node.Name}: a conv feeding an add has a signed output of A+{ResidualExtraBits} = {bits} bits; at most 16 (use at most {16 - ResidualExtraBits}-bit activations)");
        return bits;
    }

    /// <summary>
    /// Refuses, before any training, a weight code that some conv or dense layer cannot hold
    /// (integer-semantics §5, <see cref="DenseCapacity"/>): the check the freezer makes at compile time,
    /// with the deployment's F and multiplier width. A conv's row is its K*K*C_in window
    /// (the §7 matrix, codes 0 outside the group included); a layer reading the 8-bit pixels (directly
    /// or through pools) has 8-bit inputs, every other one A-bit inputs.
    /// </summary>
    public static void CheckCapacity(ModelSpec spec, WeightSpec weights, ActivationSpec acts, DeploymentSettings deployment)
    {
        var shapes = new Dictionary<string, Shape> { [ModelSpec.InputName] = spec.Input };
        var bits = new Dictionary<string, int> { [ModelSpec.InputName] = InputType.Width };
        foreach (var n in spec.Nodes)
        {
            var source = ModelSpec.SourcesOf(n)[0];
            var shape = shapes[source];
            long inputs = n.Layer switch
            {
                ConvSpec c => (long)c.K * c.K * shape.C,
                DenseSpec => shape.Features,
                _ => 0,
            };
            if (inputs > 0 && DenseCapacity.Refusal(weights, checked((int)inputs), bits[source], deployment.SqrtFracBits, deployment.MultiplierBits) is string refusal)
                throw new ArgumentException($"layer {n.Name}: {refusal}");
            shapes[n.Name] = n.OutShape;
            bits[n.Name] = n.Layer is MaxPoolSpec or AvgPoolSpec or GlobalAvgPoolSpec ? bits[source] : acts.Bits;
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
        QuantLinear l => [l.Quantizer.Scale],
        QuantConv2d { OutputQuantizer: { } q } c => [c.Quantizer.Scale, q.Step],
        QuantConv2d c => [c.Quantizer.Scale],
        LsqActivationQuantizer a => [a.Step],
        AsqActivationQuantizer a => [a.Step],
        QuantPool p => new[] { p.Quantizer.Step },
        _ => Array.Empty<Tensor>(),
    }).ToList();

    /// <summary>The ASQ quantizers, in node order (none with uniform activations).</summary>
    public IReadOnlyList<(string Name, AsqActivationQuantizer Quantizer)> AsqQuantizers() =>
        _nodes.Where(n => n.Module is AsqActivationQuantizer).Select(n => (n.Node.Name, (AsqActivationQuantizer)n.Module)).ToList();

    /// <summary>Sets every ASQ quantizer to its static (deployed) form, or back to the per-sample beta.</summary>
    public void UseStaticAsq(bool on)
    {
        foreach (var (_, a) in AsqQuantizers()) a.Static = on;
    }

    /// <summary>Everything else: weights and biases (and the ASQ adapters' weights).</summary>
    public IReadOnlyList<Tensor> WeightParameters()
    {
        var scales = new HashSet<Tensor>(ScaleParameters(), ReferenceEqualityComparer.Instance);
        return Parameters().Where(p => !scales.Contains(p)).ToList();
    }

    /// <summary>
    /// The real step of every node's output edge, in node order: the activation quantizer's step for a
    /// layer or add read by a ReLU and for the ReLU itself, the signed output quantizer's step for a conv
    /// that feeds an add, the input's step for a max pool, the pool's own quantizer step for an average
    /// pool, and null for the logits. An ASQ quantizer's edge has its static step s * beta (docs/asq.md "Static
    /// deployment"), whatever its mode. Null also where a step is not yet initialised (or an ASQ beta not calibrated).
    /// </summary>
    public double?[] EdgeSteps()
    {
        var steps = new double?[_nodes.Length];
        for (int i = 0; i < _nodes.Length; i++)
        {
            var m = _nodes[i].Module;
            steps[i] = m switch
            {
                QuantConv2d { OutputQuantizer: { } q } => StepOf(q),
                QuantConv2d or QuantLinear or Add when _reader[i] >= 0 && _nodes[_reader[i]].Module is LsqActivationQuantizer a => StepOf(a),
                QuantConv2d or QuantLinear or Add when _reader[i] >= 0 && _nodes[_reader[i]].Module is AsqActivationQuantizer a => StaticStepOf(a),
                QuantLinear => null,
                LsqActivationQuantizer a => StepOf(a),
                AsqActivationQuantizer a => StaticStepOf(a),
                QuantPool p => StepOf(p.Quantizer),
                _ => SourceStep(steps, i),
            };
        }
        return steps;
    }

    private static double? StepOf(LsqActivationQuantizer a) => a.Initialized ? a.Step.Data[0] : null;

    private static double? StaticStepOf(AsqActivationQuantizer a) => a.Initialized && a.Calibrated ? a.StaticStep : null;

    private double? SourceStep(double?[] steps, int i) => _sources[i][0] < 0 ? 1.0 / 255 : steps[_sources[i][0]];

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        foreach (var (_, y) in ForwardStages(x)) x = y;
        return x;
    }

    /// <summary>The forward pass one node at a time (for <see cref="Trainer"/>'s diagnosis of a non-finite loss).</summary>
    public IEnumerable<(string Name, Tensor Output)> ForwardStages(Tensor x)
    {
        var outputs = new Tensor[_nodes.Length];
        var steps = new double?[_nodes.Length];
        for (int i = 0; i < _nodes.Length; i++)
        {
            var (node, m) = _nodes[i];
            var a = _sources[i][0] < 0 ? x : outputs[_sources[i][0]];
            switch (m)
            {
                case QuantConv2d c:
                    c.InputStep = SourceStep(steps, i);
                    break;
                case QuantLinear l:
                    l.InputStep = SourceStep(steps, i);
                    if (a.Rank > 2) a = a.Flatten();
                    break;
            }
            // The add sums the dequantized operands; the ReLU quantizer after it requantizes the sum (§9).
            var y = m is Add add ? add.Forward(a, _sources[i][1] < 0 ? x : outputs[_sources[i][1]]) : m.Forward(a);
            outputs[i] = y;
            steps[i] = m switch
            {
                QuantConv2d { OutputQuantizer: { } q } => StepOf(q),
                LsqActivationQuantizer q => StepOf(q),
                // Per sample in the dynamic form, so the next layer's bias stays in float (docs/asq.md).
                AsqActivationQuantizer q => q.Static ? StaticStepOf(q) : null,
                QuantPool p => StepOf(p.Quantizer),
                MaxPool2d => SourceStep(steps, i),
                _ => null,
            };
            yield return (node.Name, y);
        }
    }
}
