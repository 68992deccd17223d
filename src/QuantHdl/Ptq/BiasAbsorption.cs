using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;
using QuantHdl.Models;

namespace QuantHdl.Ptq;

/// <summary>
/// Bias absorption (docs/ptq.md): for each ReLU-joined <see cref="LayerPair"/>, the part
/// c_i = max(0, beta_i - 3 gamma_i) of channel i that the first layer's output almost always exceeds
/// moves into the second layer: b1_i -= c_i, b2 += W2 c. beta_i and gamma_i are the mean and standard
/// deviation of the channel's pre-activation on the calibration set (for a layer that had a batch norm,
/// the BN's shift and scale as measured on the data). Where every pre-activation of channel i is at least
/// c_i, ReLU(y - c) + c = ReLU(y) and the function is unchanged. A second conv with zero padding is
/// skipped: its padded border would read 0 instead of -c.
/// </summary>
public static class BiasAbsorption
{
    /// <summary>Absorbs in place, pair by pair, from the calibration inputs <paramref name="x"/>; returns how many channels moved a bias.</summary>
    public static int Apply(LayerGraph g, Tensor x)
    {
        int moved = 0;
        foreach (var pair in LayerPair.Of(g))
        {
            if (pair.SecondLayer is Conv2d { Padding: > 0 }) continue;
            var y = PreActivation(g, x, pair.First);
            var c = Absorbable(y, pair.Channels);
            moved += Absorb(pair, c);
        }
        return moved;
    }

    /// <summary>c_i = max(0, mean_i - 3 std_i) of channel i of <paramref name="y"/> ([N, C] or [N, C, H, W]).</summary>
    public static double[] Absorbable(Tensor y, int channels)
    {
        int n = y.Dim(0), hw = y.Numel / (n * channels);
        var c = new double[channels];
        for (int ch = 0; ch < channels; ch++)
        {
            double sum = 0, sq = 0;
            for (int s = 0; s < n; s++)
                for (int t = 0; t < hw; t++)
                {
                    double v = y.Data[(s * channels + ch) * hw + t];
                    sum += v;
                    sq += v * v;
                }
            double count = (double)n * hw, mean = sum / count, std = Math.Sqrt(Math.Max(0, sq / count - mean * mean));
            c[ch] = Math.Max(0, mean - 3 * std);
        }
        return c;
    }

    /// <summary>b1 -= c, b2 += W2 c; returns the number of channels with c_i > 0.</summary>
    public static int Absorb(LayerPair pair, double[] c)
    {
        var b1 = LayerPair.Bias(pair.FirstLayer);
        var w2 = LayerPair.Weight(pair.SecondLayer);
        var b2 = LayerPair.Bias(pair.SecondLayer);
        int outs = LayerPair.Outputs(pair.SecondLayer), per = w2.Length / outs, moved = 0;
        var shift = new double[outs];
        for (int ch = 0; ch < c.Length; ch++)
        {
            if (c[ch] <= 0) continue;
            moved++;
            b1[ch] = (float)(b1[ch] - c[ch]);
            foreach (int k in LayerPair.InputChannel(pair.SecondLayer, c.Length, ch)) shift[k / per] += w2[k] * c[ch];
        }
        for (int o = 0; o < outs; o++) b2[o] = (float)(b2[o] + shift[o]);
        return moved;
    }

    /// <summary>The output of node <paramref name="index"/> (before its ReLU) on <paramref name="x"/>, in evaluation mode.</summary>
    public static Tensor PreActivation(LayerGraph g, Tensor x, int index)
    {
        using var ng = Tensor.NoGrad();
        int i = 0;
        foreach (var (_, y) in g.ForwardStages(x))
        {
            if (i++ == index) return y;
        }
        throw new ArgumentOutOfRangeException(nameof(index));
    }
}
