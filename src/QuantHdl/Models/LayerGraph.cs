using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;
using QuantHdl.Engine.Training;

namespace QuantHdl.Models;

/// <summary>
/// The full-precision network of a <see cref="ModelSpec"/>: one module per node, registered under the
/// node's name (<c>conv1.weight</c>, <c>bn1.running_mean</c>, <c>fc3.bias</c>, ...), run in order. A dense
/// layer after a spatial edge flattens it first (PyTorch's C, H, W order). Dense + ReLU and conv + ReLU run
/// as one fused op; values and gradients are those of the two ops apart.
/// </summary>
public sealed class LayerGraph : Module, IStagedModule
{
    private readonly (LayerNode Node, Module Module)[] _nodes;

    /// <summary>Builds the modules of <paramref name="spec"/> with initial values drawn from <paramref name="rng"/>, node by node.</summary>
    public LayerGraph(ModelSpec spec, Random rng)
    {
        Spec = spec;
        var list = new List<(LayerNode, Module)>();
        var shape = spec.Input;
        foreach (var n in spec.Nodes)
        {
            Module m = n.Layer switch
            {
                ConvSpec c => new Conv2d(shape.C, c.Out, c.K, rng, c.Stride, c.Pad, c.Groups),
                BatchNormSpec => new BatchNorm2d(shape.C),
                ReluSpec => new ReLU(),
                MaxPoolSpec p => new MaxPool2d(p.K),
                AvgPoolSpec p => new AvgPool2d(p.K),
                GlobalAvgPoolSpec => new GlobalAvgPool2d(),
                DenseSpec d => new Linear(checked((int)shape.Features), d.Out, rng),
                _ => throw new ArgumentException($"node {n.Name}: layer kind {n.Layer.GetType().Name} has no module"),
            };
            list.Add((n, RegisterModule(n.Name, m)));
            shape = n.OutShape;
        }
        _nodes = list.ToArray();
    }

    /// <summary>The spec this graph was built from.</summary>
    public ModelSpec Spec { get; }

    /// <summary>The nodes with their modules, in order.</summary>
    public IReadOnlyList<(LayerNode Node, Module Module)> Nodes => _nodes;

    /// <summary>True when the batches must be [N, C, H, W] rather than flat [N, features].</summary>
    public bool TakesImages => !Spec.IsMlp;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        for (int i = 0; i < _nodes.Length; i++)
        {
            var (node, m) = _nodes[i];
            if (m is Linear lin)
            {
                if (x.Shape.Length > 2) x = x.Flatten();
                // Dense + ReLU run fused, as Sequential does; values and gradients are identical.
                if (i + 1 < _nodes.Length && _nodes[i + 1].Module.GetType() == typeof(ReLU))
                {
                    x = Ops.LinearRelu(x, lin.Weight, lin.Bias);
                    i++;
                    continue;
                }
            }
            // Conv + ReLU run fused too (exact types only, as in Sequential).
            if (m.GetType() == typeof(Conv2d) && i + 1 < _nodes.Length && _nodes[i + 1].Module.GetType() == typeof(ReLU))
            {
                var conv = (Conv2d)m;
                x = Ops.Conv2dRelu(x, conv.Weight, conv.Bias, conv.Stride, conv.Padding, conv.Groups);
                i++;
                continue;
            }
            x = m.Forward(x);
        }
        return x;
    }

    /// <summary>
    /// The forward pass one node at a time, unfused (for <see cref="Trainer"/>'s diagnosis of a non-finite
    /// loss); the values equal <see cref="Forward"/>'s.
    /// </summary>
    public IEnumerable<(string Name, Tensor Output)> ForwardStages(Tensor x)
    {
        foreach (var (node, m) in _nodes)
        {
            if (m is Linear && x.Shape.Length > 2) x = x.Flatten();
            x = m.Forward(x);
            yield return (node.Name, x);
        }
    }
}
