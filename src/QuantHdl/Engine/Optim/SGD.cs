using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using QuantHdl.Engine.Tensors;

namespace QuantHdl.Engine.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum and L2 weight decay, same update as PyTorch's
/// <c>torch.optim.SGD</c> (dampening 0, no Nesterov):
/// <c>g = grad + wd·p; buf = momentum·buf + g; p -= lr·buf</c> (first step: <c>buf = g</c>).
/// </summary>
public sealed class SGD : Optimizer
{
    private readonly float[]?[] _momentum;
    private readonly float[]?[] _decayed;
    private readonly double _mu;
    private readonly double _wd;

    /// <summary>Creates the optimizer.</summary>
    public SGD(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double weightDecay = 0) : base(parameters, lr)
    {
        if (!(momentum >= 0)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be >= 0.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be >= 0.");
        _mu = momentum;
        _wd = weightDecay;
        _momentum = new float[Params.Count][];
        _decayed = new float[Params.Count][];
    }

    /// <inheritdoc/>
    public override void Step()
    {
        float lr = (float)Lr, mu = (float)_mu, wd = (float)_wd;
        for (int i = 0; i < Params.Count; i++)
        {
            var p = Params[i];
            var g = p.Grad;
            if (g == null) continue;
            Span<float> d = g;
            if (wd != 0)
            {
                var tmp = _decayed[i] ??= new float[g.Length];
                TensorPrimitives.MultiplyAdd(p.Data, wd, g, tmp);
                d = tmp;
            }
            if (mu != 0)
            {
                var buf = _momentum[i];
                if (buf == null)
                {
                    buf = d.ToArray();
                    _momentum[i] = buf;
                }
                else
                {
                    TensorPrimitives.MultiplyAdd(buf, mu, d, buf);
                }
                d = buf;
            }
            TensorPrimitives.MultiplyAdd(d, -lr, p.Data, p.Data);
        }
        StepCount++;
    }
}
