using QuantHdl.Models;
using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;

namespace QuantHdl.Tests.Models;

public class BatchNormFolderTests
{
    [Fact]
    public void FoldingPreservesTheEvalFunction()
    {
        var g = new LayerGraph(ModelSpec.Parse("cnn:c4k3p1-bn-relu-mp2-c6k3s2p1g2-bn-relu-gap-fc3", new Shape(2, 12, 12)), new Random(3));
        // Give the BNs non-trivial statistics and affine parameters.
        var rng = new Random(8);
        foreach (var (_, m) in g.Nodes)
            if (m is BatchNorm2d bn)
                for (int c = 0; c < bn.NumFeatures; c++)
                {
                    bn.Weight.Data[c] = (float)(0.5 + rng.NextDouble());
                    bn.Bias.Data[c] = (float)(rng.NextDouble() - 0.5);
                    bn.RunningMean.Data[c] = (float)(rng.NextDouble() - 0.5);
                    bn.RunningVar.Data[c] = (float)(0.2 + rng.NextDouble());
                }
        g.Eval();
        var folded = BatchNormFolder.Fold(g);
        Assert.DoesNotContain(folded.Nodes, n => n.Module is BatchNorm2d);
        Assert.Equal("cnn:c4k3p1-relu-mp2-c6k3s2p1g2-relu-gap-fc3", folded.Spec.Text);
        var x = new float[3 * 2 * 12 * 12];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble();
        using var ng = Tensor.NoGrad();
        var a = g.Forward(new Tensor(new[] { 3, 2, 12, 12 }, x));
        var b = folded.Forward(new Tensor(new[] { 3, 2, 12, 12 }, x));
        for (int i = 0; i < a.Numel; i++) Assert.True(Math.Abs(a.Data[i] - b.Data[i]) <= 1e-5 * Math.Max(1, Math.Abs(a.Data[i])), $"logit {i}: {a.Data[i]} vs {b.Data[i]}");
    }

    [Fact]
    public void OneChannelFoldsByTheFormula()
    {
        // W' = gamma W / sqrt(var + eps), b' = beta + (b - mean) gamma / sqrt(var + eps), by hand:
        // gamma 2, beta 1, mean 0.5, var 3, eps 1e-5, W = 0.25, b = 1.5.
        var g = new LayerGraph(ModelSpec.Parse("cnn:c1k1-bn-fc2", new Shape(1, 2, 2)), new Random(1));
        var conv = (Conv2d)g.Nodes[0].Module;
        var bn = (BatchNorm2d)g.Nodes[1].Module;
        conv.Weight.Data[0] = 0.25f; conv.Bias!.Data[0] = 1.5f;
        bn.Weight.Data[0] = 2; bn.Bias.Data[0] = 1; bn.RunningMean.Data[0] = 0.5f; bn.RunningVar.Data[0] = 3;
        var f = (Conv2d)BatchNormFolder.Fold(g).Nodes[0].Module;
        double inv = 2 / Math.Sqrt(3 + 1e-5);
        Assert.Equal(0.25 * inv, f.Weight.Data[0], 6);
        Assert.Equal(1 + (1.5 - 0.5) * inv, f.Bias!.Data[0], 6);
    }
}
