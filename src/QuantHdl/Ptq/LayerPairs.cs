using QuantHdl.Engine.Nn;
using QuantHdl.Models;

namespace QuantHdl.Ptq;

/// <summary>
/// Two weighted layers (conv or dense) joined by a ReLU and, between the ReLU and the second layer,
/// only max or average pools (and the flatten before a dense layer). Scaling a channel of the first
/// layer's output by a positive factor scales the same channel of the second layer's input by it: ReLU
/// and the pools are positive-homogeneous and act per channel. Cross-layer equalization and bias
/// absorption work on these pairs.
/// </summary>
public sealed record LayerPair(int First, int Second, Module FirstLayer, Module SecondLayer, bool PoolsBetween)
{
    /// <summary>Channels of the edge between the two layers.</summary>
    public int Channels => FirstLayer switch
    {
        Conv2d c => c.OutChannels,
        Linear l => l.OutFeatures,
        _ => throw new InvalidOperationException("a pair starts with a conv or dense layer"),
    };

    /// <summary>The pairs of a BN-free graph, in order.</summary>
    public static List<LayerPair> Of(LayerGraph g)
    {
        var pairs = new List<LayerPair>();
        var nodes = g.Nodes;
        for (int i = 0; i + 1 < nodes.Count; i++)
        {
            if (nodes[i].Module is not (Conv2d or Linear) || nodes[i + 1].Module is not ReLU) continue;
            int j = i + 2;
            bool pools = false;
            while (j < nodes.Count && nodes[j].Module is MaxPool2d or AvgPool2d or GlobalAvgPool2d) { j++; pools = true; }
            if (j < nodes.Count && nodes[j].Module is Conv2d or Linear)
                pairs.Add(new LayerPair(i, j, nodes[i].Module, nodes[j].Module, pools));
        }
        return pairs;
    }

    /// <summary>The weights [per] of the first layer's output channel <paramref name="c"/>: its row.</summary>
    public static (int Offset, int Length) Row(Module first, int c)
    {
        var w = Weight(first);
        int per = w.Length / Outputs(first);
        return (c * per, per);
    }

    /// <summary>
    /// Every index into the second layer's weights that multiplies input channel <paramref name="c"/> of
    /// <paramref name="channels"/>: a dense layer after a flatten reads channel c at columns
    /// c*HW .. (c+1)*HW - 1 (PyTorch's C, H, W order); a conv [C_out, C_in/G, K, K] at in-group index c % (C_in/G)
    /// of the output channels of c's group.
    /// </summary>
    public static IEnumerable<int> InputChannel(Module second, int channels, int c)
    {
        switch (second)
        {
            case Linear l:
            {
                int hw = l.InFeatures / channels;
                for (int o = 0; o < l.OutFeatures; o++)
                    for (int t = 0; t < hw; t++)
                        yield return o * l.InFeatures + c * hw + t;
                break;
            }
            case Conv2d v:
            {
                int cg = v.InChannels / v.Groups, og = v.OutChannels / v.Groups, kk = v.KernelSize * v.KernelSize;
                int g = c / cg, ci = c % cg;
                for (int o = g * og; o < (g + 1) * og; o++)
                    for (int t = 0; t < kk; t++)
                        yield return (o * cg + ci) * kk + t;
                break;
            }
            default:
                throw new InvalidOperationException("a pair ends with a conv or dense layer");
        }
    }

    /// <summary>The weight data of a conv or dense layer.</summary>
    public static float[] Weight(Module m) => m switch
    {
        Conv2d c => c.Weight.Data,
        Linear l => l.Weight.Data,
        _ => throw new InvalidOperationException($"{m.GetType().Name} has no weights"),
    };

    /// <summary>The bias data of a conv or dense layer (the model specs always give one).</summary>
    public static float[] Bias(Module m) => (m switch
    {
        Conv2d c => c.Bias,
        Linear l => l.Bias,
        _ => null,
    } ?? throw new InvalidOperationException($"{m.GetType().Name} has no bias")).Data;

    /// <summary>Output channels of a conv or dense layer.</summary>
    public static int Outputs(Module m) => m switch
    {
        Conv2d c => c.OutChannels,
        Linear l => l.OutFeatures,
        _ => throw new InvalidOperationException($"{m.GetType().Name} has no weights"),
    };
}
