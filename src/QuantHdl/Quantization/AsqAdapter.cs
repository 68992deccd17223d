using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;

namespace QuantHdl.Quantization;

/// <summary>
/// ASQ's adapter (docs/asq.md): from a layer's input x it gives one beta &gt; 0 per sample. x is
/// global-average-pooled over its spatial dimensions to [B, C] ([B, C] itself for a flat input), then
/// <c>Linear(C, C/4) -> ReLU -> Linear(C/4, 1) -> ReLU</c> when C &gt;= 8, else <c>Linear(C, 1) -> ReLU</c>,
/// and clamped at <see cref="MinBeta"/>. The last Linear starts with weights ~ N(0, 0.01) and bias 1, so
/// beta starts near 1 and ASQ starts as LSQ. The gradient reaches x through the pool, as in the official code.
/// </summary>
public sealed class AsqAdapter : Module
{
    /// <summary>The clamp of beta from below (the official code's 1e-8).</summary>
    public const float MinBeta = 1e-8f;

    /// <summary>Channels from which the two-layer form is used.</summary>
    public const int TwoLayerFromChannels = 8;

    /// <summary>Standard deviation of the last Linear's initial weights.</summary>
    public const double LastWeightStd = 0.01;

    private readonly Linear[] _layers;

    /// <summary>Creates the adapter for <paramref name="channels"/> input channels, drawing the initial weights from <paramref name="rng"/>.</summary>
    public AsqAdapter(int channels, Random rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        Channels = channels;
        _layers = channels >= TwoLayerFromChannels
            ? [RegisterModule("fc1", new Linear(channels, channels / 4, rng)), RegisterModule("fc2", new Linear(channels / 4, 1, rng))]
            : [RegisterModule("fc1", new Linear(channels, 1, rng))];
        var last = _layers[^1];
        var w = last.Weight.Data;
        for (int i = 0; i < w.Length; i++) w[i] = (float)(LastWeightStd * Gaussian(rng));
        last.Bias!.Data[0] = 1f;
    }

    /// <summary>C: the channels (or features) of the input.</summary>
    public int Channels { get; }

    /// <summary>The Linear layers in order (one or two).</summary>
    public IReadOnlyList<Linear> Layers => _layers;

    /// <summary>beta, [B], from x [B, C, H, W] or [B, C].</summary>
    public override Tensor Forward(Tensor x)
    {
        var h = x.Rank == 4 ? Ops.GlobalAvgPool2d(x).Reshape(x.Dim(0), x.Dim(1)) : x;
        if (h.Rank != 2 || h.Dim(1) != Channels)
            throw new ArgumentException($"ASQ adapter for {Channels} channels got an input of shape [{string.Join(", ", x.Shape)}]");
        foreach (var l in _layers) h = Ops.LinearRelu(h, l.Weight, l.Bias);
        return ClampMin(h.Reshape(x.Dim(0)), MinBeta);
    }

    private static Tensor ClampMin(Tensor x, float min)
    {
        var xd = x.Data;
        var y = Tensor.RentBuffer(xd.Length);
        for (int i = 0; i < xd.Length; i++) y[i] = Math.Max(xd[i], min);
        return Tensor.FromOp(x.Shape, y, [x], r =>
        {
            var g = x.EnsureGrad();
            for (int i = 0; i < xd.Length; i++) if (xd[i] > min) g[i] += r.Grad![i]; // clamped: no gradient, as torch.clamp
        });
    }

    private static double Gaussian(Random rng)
    {
        // Box-Muller; 1 - NextDouble() is in (0, 1], so the log is finite.
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
