using QuantHdl.Engine.Tensors;

namespace QuantHdl.Engine.Optim;

/// <summary>Base class of optimizers: holds the parameter list and the learning rate.</summary>
/// <remarks>Parameters whose <see cref="Tensor.Grad"/> is null (no gradient reached them) are skipped by <see cref="Step"/>.</remarks>
public abstract class Optimizer
{
    /// <summary>Captures the parameters (the enumeration is materialized once) and the learning rate.</summary>
    /// <exception cref="ArgumentException">A parameter appears twice or the learning rate is negative or not finite.</exception>
    protected Optimizer(IEnumerable<Tensor> parameters, double lr)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = new List<Tensor>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var p in parameters)
        {
            if (!seen.Add(p)) throw new ArgumentException($"parameter {p} is listed twice; each parameter may appear once.");
            list.Add(p);
        }
        Params = list;
        Lr = lr;
    }

    /// <summary>The parameters updated by <see cref="Step"/>, in order.</summary>
    public IReadOnlyList<Tensor> Params { get; }

    private double _lr;

    /// <summary>Learning rate used by the next <see cref="Step"/>.</summary>
    public double Lr
    {
        get => _lr;
        set
        {
            if (!(value >= 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "learning rate must be finite and >= 0.");
            _lr = value;
        }
    }

    /// <summary>Number of <see cref="Step"/> calls so far.</summary>
    public long StepCount { get; protected set; }

    /// <summary>Zeros the gradients of all parameters.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Params) p.ZeroGrad();
    }

    /// <summary>Updates the parameters in place from their gradients.</summary>
    public abstract void Step();
}
