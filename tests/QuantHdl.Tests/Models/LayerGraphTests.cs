using QuantHdl.Models;
using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;

namespace QuantHdl.Tests.Models;

public class LayerGraphTests
{
    private static Tensor Images(int n, int seed)
    {
        var rng = new Random(seed);
        var d = new float[n * 28 * 28];
        for (int i = 0; i < d.Length; i++) d[i] = (float)rng.NextDouble();
        return new Tensor(new[] { n, 1, 28, 28 }, d);
    }

    [Fact]
    public void LeNet5NamesItsParametersByNodeAndGivesTenLogits()
    {
        var g = new LayerGraph(ModelSpec.Parse("lenet5", new Shape(1, 28, 28)), new Random(1));
        Assert.Equal(
            ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"],
            g.NamedParameters().Select(p => p.Name));
        Assert.Equal([6, 1, 5, 5], g.NamedParameters().First().Param.Shape);
        Assert.Equal([120, 256], g.NamedParameters().Single(p => p.Name == "fc1.weight").Param.Shape);
        Assert.True(g.TakesImages);
        using var ng = Tensor.NoGrad();
        Assert.Equal([3, 10], g.Forward(Images(3, 2)).Shape);
    }

    [Fact]
    public void TheGraphComputesWhatTheModulesComputeByHand()
    {
        // Reference: the same modules applied one by one, with an explicit flatten before fc1.
        var g = new LayerGraph(ModelSpec.Parse("cnn:c4k3p1-bn-relu-mp2-fc5-relu-fc3", new Shape(1, 28, 28)), new Random(5));
        g.Eval();
        var x = Images(2, 9);
        using var ng = Tensor.NoGrad();
        var y = g.Forward(x);
        var m = g.Nodes.Select(n => n.Module).ToArray();
        var r = m[3].Forward(m[2].Forward(m[1].Forward(m[0].Forward(x))));
        r = m[6].Forward(m[5].Forward(m[4].Forward(r.Flatten())));
        Assert.Equal(r.Data.AsSpan(0, 6).ToArray(), y.Data.AsSpan(0, 6).ToArray());
        Assert.Equal("bn1.running_mean", g.NamedBuffers().First().Name);
    }

    [Fact]
    public void AnMlpGraphIsTheMlpSequential()
    {
        var spec = ModelSpec.Parse("mlp:784-16-10", new Shape(1, 28, 28));
        Assert.Equal(Shape.Flat(784), spec.Input);
        var g = new LayerGraph(spec, new Random(4));
        // The reference: the Sequential MLPs trained as before they were graphs, drawn from the same seed.
        var rng = new Random(4);
        var s = new Sequential(new Linear(784, 16, rng), new ReLU(), new Linear(16, 10, rng));
        Assert.False(g.TakesImages);
        // The same parameters, drawn in the same order, stored in the same order.
        Assert.Equal(s.Parameters().Select(p => p.Data), g.Parameters().Select(p => p.Data));
        var x = new Tensor(new[] { 2, 784 }, Images(2, 3).Data.AsSpan(0, 2 * 784).ToArray());
        using var ng = Tensor.NoGrad();
        Assert.Equal(s.Forward(x).Data.AsSpan(0, 20).ToArray(), g.Forward(x).Data.AsSpan(0, 20).ToArray());
    }

    [Fact]
    public void AFusedConvReluGivesTheValuesOfTheTwoModules()
    {
        var g = new LayerGraph(ModelSpec.Parse("cnn:c4k3p1-relu-mp2-fc3", new Shape(1, 28, 28)), new Random(7));
        var x = Images(2, 4);
        using var ng = Tensor.NoGrad();
        var y = g.Forward(x);
        var m = g.Nodes.Select(n => n.Module).ToArray();
        var r = m[3].Forward(m[2].Forward(m[1].Forward(m[0].Forward(x))).Flatten());
        Assert.Equal(r.Data.AsSpan(0, 6).ToArray(), y.Data.AsSpan(0, 6).ToArray());
    }
}
