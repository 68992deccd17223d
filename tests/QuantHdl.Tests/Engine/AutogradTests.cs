using QuantHdl.Engine.Tensors;
using Xunit;

namespace QuantHdl.Tests.Engine;

public class AutogradTests
{
    private readonly Random _rng = new(42);

    [Fact] public void Add() => GradCheck.Check(t => Ops.Add(t[0], t[1]), new[] { GradCheck.Rand(_rng, 3, 4), GradCheck.Rand(_rng, 3, 4) });
    [Fact] public void Sub() => GradCheck.Check(t => Ops.Sub(t[0], t[1]), new[] { GradCheck.Rand(_rng, 3, 4), GradCheck.Rand(_rng, 3, 4) });
    [Fact] public void Mul() => GradCheck.Check(t => Ops.Mul(t[0], t[1]), new[] { GradCheck.Rand(_rng, 5), GradCheck.Rand(_rng, 5) });
    [Fact] public void MulSameInputTwice() => GradCheck.Check(t => Ops.Mul(t[0], t[0]), new[] { GradCheck.Rand(_rng, 6) });
    [Fact] public void Scale() => GradCheck.Check(t => Ops.Scale(t[0], -2.5f), new[] { GradCheck.Rand(_rng, 2, 3) });
    [Fact] public void Relu() => GradCheck.Check(t => Ops.Relu(t[0]), new[] { GradCheck.AwayFromZero(_rng, 4, 5) });
    [Fact] public void Sum() => GradCheck.Check(t => Ops.Sum(t[0]), new[] { GradCheck.Rand(_rng, 3, 3) });
    [Fact] public void Mean() => GradCheck.Check(t => Ops.Mean(t[0]), new[] { GradCheck.Rand(_rng, 3, 3) });
    [Fact] public void Reshape() => GradCheck.Check(t => Ops.Mul(Ops.Reshape(t[0], -1, 2), Ops.Reshape(t[0], 3, 2)), new[] { GradCheck.Rand(_rng, 2, 3) });
    [Fact] public void Flatten() => GradCheck.Check(t => Ops.Flatten(t[0]), new[] { GradCheck.Rand(_rng, 2, 3, 2) });
    [Fact] public void MatMul() => GradCheck.Check(t => Ops.MatMul(t[0], t[1]), new[] { GradCheck.Rand(_rng, 3, 5), GradCheck.Rand(_rng, 5, 4) });
    [Fact] public void Linear() => GradCheck.Check(t => Ops.Linear(t[0], t[1], t[2]), new[] { GradCheck.Rand(_rng, 4, 7), GradCheck.Rand(_rng, 3, 7), GradCheck.Rand(_rng, 3) });
    [Fact] public void LinearWithoutBias() => GradCheck.Check(t => Ops.Linear(t[0], t[1]), new[] { GradCheck.Rand(_rng, 4, 7), GradCheck.Rand(_rng, 3, 7) });
    [Fact] public void LinearLargeBatch() => GradCheck.Check(t => Ops.Linear(t[0], t[1], t[2]), new[] { GradCheck.Rand(_rng, 37, 19), GradCheck.Rand(_rng, 11, 19), GradCheck.Rand(_rng, 11) });
    [Fact] public void Softmax() => GradCheck.Check(t => Ops.Softmax(t[0]), new[] { GradCheck.Rand(_rng, 3, 5) });
    [Fact] public void LogSoftmax() => GradCheck.Check(t => Ops.LogSoftmax(t[0]), new[] { GradCheck.Rand(_rng, 3, 5) });
    [Fact] public void CrossEntropy() => GradCheck.Check(t => Ops.CrossEntropy(t[0], new[] { 0, 4, 2 }), new[] { GradCheck.Rand(_rng, 3, 5) });

    [Fact]
    public void LinearRelu()
    {
        // Pick data whose pre-activations are far from 0 so the finite difference never crosses the kink.
        for (int attempt = 0; ; attempt++)
        {
            var x = GradCheck.Rand(_rng, 5, 6); var w = GradCheck.Rand(_rng, 4, 6); var b = GradCheck.Rand(_rng, 4);
            using (Tensor.NoGrad())
            {
                var z = Ops.Linear(x, w, b);
                if (z.Data.Any(v => Math.Abs(v) < 0.15f) && attempt < 1000) continue;
            }
            GradCheck.Check(t => Ops.LinearRelu(t[0], t[1], t[2]), new[] { x, w, b });
            return;
        }
    }

    [Fact]
    public void LinearReluEqualsReluOfLinear()
    {
        var x = GradCheck.Rand(_rng, 9, 13); var w = GradCheck.Rand(_rng, 6, 13); var b = GradCheck.Rand(_rng, 6);
        foreach (var p in new[] { x, w, b }) p.RequiresGrad = true;
        var fused = Ops.LinearRelu(x, w, b);
        Ops.Sum(fused).Backward();
        var g = new[] { x.Grad!.ToArray(), w.Grad!.ToArray(), b.Grad!.ToArray() };
        foreach (var p in new[] { x, w, b }) p.ZeroGrad();
        var plain = Ops.Relu(Ops.Linear(x, w, b));
        Ops.Sum(plain).Backward();
        Assert.Equal(plain.Data, fused.Data);
        Assert.Equal(g[0], x.Grad);
        Assert.Equal(g[1], w.Grad);
        Assert.Equal(g[2], b.Grad);
    }

    [Fact]
    public void DiamondGraphRunsEachBackwardOnce()
    {
        // y = (x*2) + (x*2) shares the node x*2; dy/dx must be 4, not 8.
        var x = new Tensor(new[] { 1 }, new[] { 3f }, requiresGrad: true);
        int calls = 0;
        var twice = Tensor.FromOp(new[] { 1 }, new[] { x.Data[0] * 2 }, new[] { x }, r => { calls++; x.EnsureGrad()[0] += 2 * r.Grad![0]; });
        var y = Ops.Sum(Ops.Add(twice, twice));
        y.Backward();
        Assert.Equal(1, calls);
        Assert.Equal(4f, x.Grad![0]);
        Assert.Equal(12f, y.Item());
    }

    [Fact]
    public void DeepChainDoesNotOverflowTheStack()
    {
        var x = new Tensor(new[] { 1 }, new[] { 1f }, requiresGrad: true);
        var y = x;
        for (int i = 0; i < 20000; i++) y = Ops.Scale(y, 1f);
        Ops.Sum(y).Backward();
        Assert.Equal(1f, x.Grad![0]);
    }

    [Fact]
    public void NoGradRecordsNothing()
    {
        var w = new Tensor(new[] { 2 }, new[] { 1f, 2f }, requiresGrad: true);
        Tensor y;
        using (Tensor.NoGrad())
        {
            Assert.False(Tensor.IsGradEnabled);
            y = Ops.Mul(w, w);
        }
        Assert.True(Tensor.IsGradEnabled);
        Assert.False(y.RequiresGrad);
        Assert.True(y.IsLeaf);
        Assert.Throws<InvalidOperationException>(() => Ops.Sum(y).Backward());
    }

    [Fact]
    public void InputsWithoutGradReceiveNone()
    {
        var x = GradCheck.Rand(_rng, 4, 3);
        var w = GradCheck.Rand(_rng, 2, 3);
        w.RequiresGrad = true;
        Ops.Sum(Ops.Linear(x, w)).Backward();
        Assert.Null(x.Grad);
        Assert.NotNull(w.Grad);
    }

    [Fact]
    public void BackwardRequiresScalar()
    {
        var w = new Tensor(new[] { 2 }, new[] { 1f, 2f }, requiresGrad: true);
        var ex = Assert.Throws<InvalidOperationException>(() => Ops.Scale(w, 2).Backward());
        Assert.Contains("scalar", ex.Message);
    }

    [Fact]
    public void CustomOpThroughFromOp()
    {
        // y = x^3 as a user-defined op; dy/dx = 3x^2.
        var x = new Tensor(new[] { 3 }, new[] { 1f, -2f, 0.5f }, requiresGrad: true);
        var data = Tensor.RentBuffer(3);
        for (int i = 0; i < 3; i++) data[i] = x.Data[i] * x.Data[i] * x.Data[i];
        var y = Tensor.FromOp(x.Shape, data, new[] { x }, r =>
        {
            var g = x.EnsureGrad();
            for (int i = 0; i < 3; i++) g[i] += 3 * x.Data[i] * x.Data[i] * r.Grad![i];
        });
        Assert.True(y.RequiresGrad);
        Ops.Sum(y).Backward();
        Assert.Equal(new[] { 3f, 12f, 0.75f }, x.Grad);
    }

    [Fact]
    public void GradientsAccumulateAcrossBackwardCalls()
    {
        var w = new Tensor(new[] { 2 }, new[] { 1f, 2f }, requiresGrad: true);
        Ops.Sum(Ops.Scale(w, 3)).Backward();
        Ops.Sum(Ops.Scale(w, 3)).Backward();
        Assert.Equal(new[] { 6f, 6f }, w.Grad);
        w.ZeroGrad();
        Assert.Equal(new[] { 0f, 0f }, w.Grad);
    }
}
