using System.Collections;
using QuantHdl.Engine.Tensors;

namespace QuantHdl.Engine.Nn;

/// <summary>
/// Chains modules; child <c>i</c> is registered under the name <c>"i"</c>, so parameters are named
/// <c>"0.weight"</c>, <c>"0.bias"</c>, ... as in PyTorch.
/// </summary>
/// <remarks>
/// A plain <see cref="Linear"/> or <see cref="Conv2d"/> directly followed by a plain <see cref="ReLU"/> (exact types,
/// not subclasses) runs as one fused <see cref="Ops.LinearRelu"/> or <see cref="Ops.Conv2dRelu"/>; values and
/// gradients are identical to running them apart.
/// </remarks>
public class Sequential : Module, IEnumerable<Module>
{
    private readonly List<Module> _layers = new();

    /// <summary>Creates the chain from <paramref name="modules"/>, in order.</summary>
    public Sequential(params Module[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules) Add(m);
    }

    /// <summary>Appends a module (registered as child <c>Count</c>).</summary>
    public void Add(Module module)
    {
        RegisterModule(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        _layers.Add(module);
    }

    /// <summary>Number of modules.</summary>
    public int Count => _layers.Count;

    /// <summary>The module at <paramref name="index"/>.</summary>
    public Module this[int index] => _layers[index];

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        for (int i = 0; i < _layers.Count; i++)
        {
            var m = _layers[i];
            if (m.GetType() == typeof(Linear) && i + 1 < _layers.Count && _layers[i + 1].GetType() == typeof(ReLU))
            {
                var lin = (Linear)m;
                x = Ops.LinearRelu(x, lin.Weight, lin.Bias);
                i++;
            }
            else if (m.GetType() == typeof(Conv2d) && i + 1 < _layers.Count && _layers[i + 1].GetType() == typeof(ReLU))
            {
                var conv = (Conv2d)m;
                x = Ops.Conv2dRelu(x, conv.Weight, conv.Bias, conv.Stride, conv.Padding, conv.Groups);
                i++;
            }
            else
            {
                x = m.Forward(x);
            }
        }
        return x;
    }

    /// <inheritdoc/>
    public IEnumerator<Module> GetEnumerator() => _layers.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
