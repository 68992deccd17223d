using QuantHdl.Engine.Tensors;

namespace QuantHdl.Engine.Nn;

/// <summary>
/// Base class of network layers, in the PyTorch style: subclasses implement <see cref="Forward"/> and
/// register their parameters, buffers and child modules in the constructor, so <see cref="Parameters"/>,
/// <see cref="NamedParameters"/>, <see cref="NamedBuffers"/>, <see cref="Train"/>/<see cref="Eval"/> and <see cref="ZeroGrad"/> reach them.
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Tensor Param)> _params = new();
    private readonly List<(string Name, Module Child)> _children = new();
    private readonly List<(string Name, Tensor Buffer)> _buffers = new();

    /// <summary>Computes the layer's output. Called inside the caller's step scope, if any.</summary>
    public abstract Tensor Forward(Tensor x);

    /// <summary>True in training mode (the default), false after <see cref="Eval"/>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Registers a parameter under <paramref name="name"/> and marks it as requiring grad. Returns it.</summary>
    /// <exception cref="ArgumentException">The name is empty, contains '.', or is already used in this module.</exception>
    protected Tensor RegisterParameter(string name, Tensor param)
    {
        ArgumentNullException.ThrowIfNull(param);
        CheckName(name);
        param.RequiresGrad = true;
        _params.Add((name, param));
        return param;
    }

    /// <summary>
    /// Registers a buffer under <paramref name="name"/>: state that is saved with the parameters but not trained
    /// (e.g. batch-norm running statistics). It does not require grad. Returns it.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, contains '.', or is already used in this module.</exception>
    protected Tensor RegisterBuffer(string name, Tensor buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        CheckName(name);
        buffer.RequiresGrad = false;
        _buffers.Add((name, buffer));
        return buffer;
    }

    /// <summary>Registers a child module under <paramref name="name"/>. Returns it.</summary>
    /// <exception cref="ArgumentException">The name is empty, contains '.', or is already used in this module.</exception>
    protected T RegisterModule<T>(string name, T child) where T : Module
    {
        ArgumentNullException.ThrowIfNull(child);
        CheckName(name);
        if (ReferenceEquals(child, this)) throw new ArgumentException($"module '{name}' cannot be its own child.");
        _children.Add((name, child));
        return child;
    }

    /// <summary>Direct children with their registration names, in registration order.</summary>
    public IEnumerable<(string Name, Module Child)> NamedChildren() => _children;

    /// <summary>All parameters: this module's own (in registration order), then each child's, recursively.</summary>
    public IEnumerable<Tensor> Parameters()
    {
        foreach (var (_, p) in NamedParameters()) yield return p;
    }

    /// <summary>
    /// All parameters with dotted names such as <c>"0.weight"</c>, in the order of <see cref="Parameters"/>.
    /// A tensor registered in several places (tied weights) is listed once, under its first name, as in PyTorch.
    /// </summary>
    public IEnumerable<(string Name, Tensor Param)> NamedParameters()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var item in NamedParametersWithPrefix(""))
            if (seen.Add(item.Param)) yield return item;
    }

    private IEnumerable<(string Name, Tensor Param)> NamedParametersWithPrefix(string prefix)
    {
        foreach (var (n, p) in _params) yield return (prefix + n, p);
        foreach (var (n, c) in _children)
            foreach (var item in c.NamedParametersWithPrefix(prefix + n + "."))
                yield return item;
    }

    /// <summary>All buffers: this module's own (in registration order), then each child's, recursively.</summary>
    public IEnumerable<Tensor> Buffers()
    {
        foreach (var (_, b) in NamedBuffers()) yield return b;
    }

    /// <summary>
    /// All buffers with dotted names such as <c>"1.running_mean"</c>, in the order of <see cref="Buffers"/>;
    /// a buffer registered in several places is listed once, under its first name.
    /// </summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var item in NamedBuffersWithPrefix(""))
            if (seen.Add(item.Buffer)) yield return item;
    }

    private IEnumerable<(string Name, Tensor Buffer)> NamedBuffersWithPrefix(string prefix)
    {
        foreach (var (n, b) in _buffers) yield return (prefix + n, b);
        foreach (var (n, c) in _children)
            foreach (var item in c.NamedBuffersWithPrefix(prefix + n + "."))
                yield return item;
    }

    /// <summary>Sets training mode on this module and all descendants. Returns this module.</summary>
    public Module Train(bool mode = true)
    {
        Training = mode;
        foreach (var (_, c) in _children) c.Train(mode);
        return this;
    }

    /// <summary>Sets evaluation mode (<c>Train(false)</c>). Returns this module.</summary>
    public Module Eval() => Train(false);

    /// <summary>Zeros the gradients of all parameters (buffers are kept).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ZeroGrad();
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"invalid name '{name}': must be non-empty and contain no '.'.");
        foreach (var (n, _) in _params)
            if (n == name) throw new ArgumentException($"name '{name}' is already used by a parameter of {GetType().Name}.");
        foreach (var (n, _) in _children)
            if (n == name) throw new ArgumentException($"name '{name}' is already used by a child of {GetType().Name}.");
        foreach (var (n, _) in _buffers)
            if (n == name) throw new ArgumentException($"name '{name}' is already used by a buffer of {GetType().Name}.");
    }
}
