using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;
using Xunit;

namespace QuantHdl.Tests.Engine;

public class NnTests
{
    internal static Sequential Mlp(int seed, int nIn = 784, int h1 = 256, int h2 = 128, int nOut = 10)
    {
        var rng = new Random(seed);
        return new Sequential(new Linear(nIn, h1, rng), new ReLU(), new Linear(h1, h2, rng), new ReLU(), new Linear(h2, nOut, rng));
    }

    [Fact]
    public void NamedParametersUseDottedPyTorchNames()
    {
        var model = new Sequential(new Flatten(), Mlp(1, 8, 4, 3, 2));
        var names = model.NamedParameters().Select(p => p.Name).ToArray();
        Assert.Equal(new[] { "1.0.weight", "1.0.bias", "1.2.weight", "1.2.bias", "1.4.weight", "1.4.bias" }, names);
        Assert.Equal(6, model.Parameters().Count());
        Assert.All(model.Parameters(), p => Assert.True(p.RequiresGrad));
        Assert.Equal(2, model.Count);
        Assert.IsType<Flatten>(model[0]);
    }

    [Fact]
    public void LinearInitMatchesPyTorchBounds()
    {
        var lin = new Linear(100, 50, new Random(3));
        Assert.Equal(new[] { 50, 100 }, lin.Weight.Shape);
        Assert.Equal(new[] { 50 }, lin.Bias!.Shape);
        float bound = 0.1f;
        Assert.All(lin.Weight.Data, w => Assert.InRange(w, -bound, bound));
        Assert.All(lin.Bias.Data, b => Assert.InRange(b, -bound, bound));
        Assert.True(lin.Weight.Data.Max() > 0.09f && lin.Weight.Data.Min() < -0.09f);
    }

    [Fact]
    public void TrainAndEvalAreRecursive()
    {
        var model = new Sequential(Mlp(1, 4, 3, 3, 2));
        model.Eval();
        Assert.False(((Sequential)model[0])[2].Training);
        model.Train();
        Assert.True(((Sequential)model[0])[2].Training);
    }

    [Fact]
    public void FusedSequentialMatchesLayerByLayer()
    {
        var model = Mlp(5, 20, 16, 8, 4);
        var x = GradCheck.Rand(new Random(9), 6, 20);
        var fused = model.Forward(x);
        Ops.Sum(fused).Backward();
        var grads = model.Parameters().Select(p => p.Grad!.ToArray()).ToArray();
        model.ZeroGrad();
        Tensor y = x;
        foreach (var m in model) y = m.Forward(y);
        Ops.Sum(y).Backward();
        Assert.Equal(y.Data, fused.Data);
        var ps = model.Parameters().ToArray();
        for (int i = 0; i < ps.Length; i++) Assert.Equal(grads[i], ps[i].Grad);
    }

    private sealed class Scaled : Module
    {
        public Scaled(Module inner)
        {
            Inner = RegisterModule("inner", inner);
            Gain = RegisterParameter("gain", new Tensor(new[] { 1 }, new[] { 2f }));
        }
        public Module Inner { get; }
        public Tensor Gain { get; }
        public override Tensor Forward(Tensor x) => Ops.Scale(Inner.Forward(x), Gain.Data[0]);
    }

    [Fact]
    public void ModulesCanBeSubclassed()
    {
        var m = new Scaled(new Linear(3, 2, new Random(1)));
        Assert.Equal(new[] { "gain", "inner.weight", "inner.bias" }, m.NamedParameters().Select(p => p.Name));
        Assert.Equal(new[] { 4, 2 }, m.Forward(Tensor.Zeros(4, 3)).Shape);
    }

    [Fact]
    public void TiedParametersAreListedOnce()
    {
        var shared = new Linear(3, 3, new Random(1));
        var model = new Sequential(shared, new ReLU(), shared);
        Assert.Equal(new[] { "0.weight", "0.bias" }, model.NamedParameters().Select(p => p.Name));
        _ = new QuantHdl.Engine.Optim.Adam(model.Parameters()); // would throw on a duplicate
    }

    [Fact]
    public void DuplicateNamesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new Dup());
    }

    private sealed class Dup : Module
    {
        public Dup()
        {
            RegisterParameter("w", Tensor.Zeros(1));
            RegisterParameter("w", Tensor.Zeros(1));
        }
        public override Tensor Forward(Tensor x) => x;
    }
}
