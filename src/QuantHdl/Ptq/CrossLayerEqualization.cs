using QuantHdl.Models;

namespace QuantHdl.Ptq;

/// <summary>
/// Cross-layer equalization (docs/ptq.md): for each ReLU-joined <see cref="LayerPair"/>, channel i of the
/// edge is rescaled by s_i = sqrt(r1_i / r2_i), where r1_i is the largest |weight| of the first layer's
/// output channel i and r2_i that of the second layer's input channel i: W1 row i and b1_i are divided by
/// s_i, the second layer's weights on input i multiplied by it. Both ranges become sqrt(r1_i r2_i); the
/// float function is unchanged (ReLU(x / s) = ReLU(x) / s for s > 0). Sweeps over all pairs repeat until
/// no factor differs from 1 by more than <see cref="Tolerance"/>.
/// </summary>
public static class CrossLayerEqualization
{
    /// <summary>A sweep whose factors all lie within this of 1 ends the iteration.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>At most this many sweeps.</summary>
    public const int MaxSweeps = 100;

    /// <summary>Equalizes <paramref name="g"/> in place; returns the number of sweeps run.</summary>
    public static int Apply(LayerGraph g)
    {
        var pairs = LayerPair.Of(g);
        if (pairs.Count == 0) return 0;
        for (int sweep = 1; sweep <= MaxSweeps; sweep++)
        {
            double change = 0;
            foreach (var pair in pairs) change = Math.Max(change, Equalize(pair));
            if (change <= Tolerance) return sweep;
        }
        return MaxSweeps;
    }

    /// <summary>Equalizes one pair; returns the largest |s_i - 1|.</summary>
    public static double Equalize(LayerPair pair)
    {
        var w1 = LayerPair.Weight(pair.FirstLayer);
        var b1 = LayerPair.Bias(pair.FirstLayer);
        var w2 = LayerPair.Weight(pair.SecondLayer);
        int channels = pair.Channels;
        double change = 0;
        for (int c = 0; c < channels; c++)
        {
            var (off, len) = LayerPair.Row(pair.FirstLayer, c);
            double r1 = 0, r2 = 0;
            for (int j = 0; j < len; j++) r1 = Math.Max(r1, Math.Abs(w1[off + j]));
            var reads = LayerPair.InputChannel(pair.SecondLayer, channels, c).ToArray();
            foreach (int k in reads) r2 = Math.Max(r2, Math.Abs(w2[k]));
            if (!(r1 > 0) || !(r2 > 0)) continue; // a dead channel: nothing to balance
            double s = Math.Sqrt(r1 / r2);
            for (int j = 0; j < len; j++) w1[off + j] = (float)(w1[off + j] / s);
            b1[c] = (float)(b1[c] / s);
            foreach (int k in reads) w2[k] = (float)(w2[k] * s);
            change = Math.Max(change, Math.Abs(s - 1));
        }
        return change;
    }
}
