using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;
using QuantHdl.Engine.Training;

namespace QuantHdl.Models;

/// <summary>
/// The full-precision network of a <see cref="ModelSpec"/>: one module per node, registered under the
/// node's name (<c>conv1.weight</c>, <c>bn1.running_mean</c>, <c>fc3.bias</c>, ...), run in the spec's
/// topological order, each node on the outputs of the nodes it names (a chain: the previous one's).
/// A dense layer after a spatial edge flattens it first (PyTorch's C, H, W order). Dense + ReLU and
/// conv + ReLU run as one fused op where the ReLU is the layer's only reader; values and gradients
/// are those of the two ops apart. An output read by two nodes gets both gradients summed by the
/// autograd engine.
/// </summary>
public sealed class LayerGraph : Module, IStagedModule
{
    private readonly (LayerNode Node, Module Module)[] _nodes;

    // Per node: the indices of the nodes it reads (-1: the network input), and whether it runs fused with the ReLU after it.
    private readonly int[][] _sources;
    private readonly bool[] _fuseRelu;

    /// <summary>Builds the modules of <paramref name="spec"/> with initial values drawn from <paramref name="rng"/>, node by node.</summary>
    public LayerGraph(ModelSpec spec, Random rng)
    {
        Spec = spec;
        var list = new List<(LayerNode, Module)>();
        var shapes = new Dictionary<string, Shape> { [ModelSpec.InputName] = spec.Input };
        foreach (var n in spec.Nodes)
        {
            var shape = shapes[ModelSpec.SourcesOf(n)[0]];
            Module m = n.Layer switch
            {
                ConvSpec c => new Conv2d(shape.C, c.Out, c.K, rng, c.Stride, c.Pad, c.Groups),
                BatchNormSpec => new BatchNorm2d(shape.C),
                ReluSpec => new ReLU(),
                MaxPoolSpec p => new MaxPool2d(p.K),
                AvgPoolSpec p => new AvgPool2d(p.K),
                GlobalAvgPoolSpec => new GlobalAvgPool2d(),
                DenseSpec d => new Linear(checked((int)shape.Features), d.Out, rng),
                AddSpec => new Add(),
                _ => throw new ArgumentException($"node {n.Name}: layer kind {n.Layer.GetType().Name} has no module"),
            };
            list.Add((n, RegisterModule(n.Name, m)));
            shapes[n.Name] = n.OutShape;
        }
        _nodes = list.ToArray();
        (_sources, _fuseRelu) = Wiring(spec, _nodes.Select(n => n.Module).ToArray());
    }

    /// <summary>
    /// The node indices each node reads (-1 for the network input), and which layers run fused with the
    /// ReLU that follows them: an exact <see cref="Conv2d"/> or a <see cref="Linear"/> whose only reader
    /// is the next node, a ReLU.
    /// </summary>
    internal static (int[][] Sources, bool[] FuseRelu) Wiring(ModelSpec spec, Module[] modules)
    {
        var index = spec.Nodes.Select((n, i) => (n.Name, i)).ToDictionary(p => p.Name, p => p.i);
        index[ModelSpec.InputName] = -1;
        var sources = spec.Nodes.Select((n, i) => n.Inputs.Length == 0 ? [i - 1] : n.Inputs.Select(s => index[s]).ToArray()).ToArray();
        var readers = spec.Readers();
        var fuse = new bool[modules.Length];
        for (int i = 0; i + 1 < modules.Length; i++)
            fuse[i] = (modules[i] is Linear || modules[i].GetType() == typeof(Conv2d))
                && modules[i + 1].GetType() == typeof(ReLU)
                && readers[spec.Nodes[i].Name].Length == 1 && sources[i + 1][0] == i;
        return (sources, fuse);
    }

    /// <summary>The spec this graph was built from.</summary>
    public ModelSpec Spec { get; }

    /// <summary>The nodes with their modules, in order.</summary>
    public IReadOnlyList<(LayerNode Node, Module Module)> Nodes => _nodes;

    /// <summary>True when the batches must be [N, C, H, W] rather than flat [N, features].</summary>
    public bool TakesImages => !Spec.IsMlp;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => ForwardFrom(0, x);

    /// <summary>
    /// Runs the nodes from index <paramref name="first"/> on, given <paramref name="cut"/> as the output of
    /// node <paramref name="first"/> - 1 (the network input when <paramref name="first"/> is 0): the suffix
    /// of a block split (docs/bwrf.md). Every node from <paramref name="first"/> on must read only that
    /// node or later ones; otherwise an <see cref="ArgumentException"/> names the node reading across the cut.
    /// </summary>
    public Tensor ForwardFrom(int first, Tensor cut)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(first, _nodes.Length);
        for (int i = first; i < _nodes.Length; i++)
            foreach (var s in _sources[i])
                if (s < first - 1)
                    throw new ArgumentException($"the graph cannot be cut before node {_nodes[first].Node.Name}: node {_nodes[i].Node.Name} reads {(s < 0 ? ModelSpec.InputName : _nodes[s].Node.Name)}, which lies before the cut");
        var outputs = new Tensor[_nodes.Length];
        Tensor In(int s) => s == first - 1 ? cut : outputs[s];
        for (int i = first; i < _nodes.Length; i++)
        {
            var m = _nodes[i].Module;
            var a = In(_sources[i][0]);
            if (m is Linear && a.Shape.Length > 2) a = a.Flatten();
            if (_fuseRelu[i])
            {
                // Dense + ReLU and conv + ReLU run fused, as Sequential does; values and gradients are identical.
                outputs[i + 1] = outputs[i] = m is Linear lin
                    ? Ops.LinearRelu(a, lin.Weight, lin.Bias)
                    : Ops.Conv2dRelu(a, ((Conv2d)m).Weight, ((Conv2d)m).Bias, ((Conv2d)m).Stride, ((Conv2d)m).Padding, ((Conv2d)m).Groups);
                i++;
                continue;
            }
            outputs[i] = m is Add add ? add.Forward(a, In(_sources[i][1])) : m.Forward(a);
        }
        return outputs[^1];
    }

    /// <summary>
    /// The forward pass one node at a time, unfused (for <see cref="Trainer"/>'s diagnosis of a non-finite
    /// loss); the values equal <see cref="Forward"/>'s.
    /// </summary>
    public IEnumerable<(string Name, Tensor Output)> ForwardStages(Tensor x)
    {
        var outputs = new Tensor[_nodes.Length];
        for (int i = 0; i < _nodes.Length; i++)
        {
            var (node, m) = _nodes[i];
            var a = _sources[i][0] < 0 ? x : outputs[_sources[i][0]];
            if (m is Linear && a.Shape.Length > 2) a = a.Flatten();
            outputs[i] = m is Add add ? add.Forward(a, _sources[i][1] < 0 ? x : outputs[_sources[i][1]]) : m.Forward(a);
            yield return (node.Name, outputs[i]);
        }
    }
}
