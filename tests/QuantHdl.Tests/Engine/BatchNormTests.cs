using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;
using Xunit;

namespace QuantHdl.Tests.Engine;

/// <summary>BatchNorm2d against the formula in double, hand-computed running statistics, and finite differences.</summary>
public class BatchNormTests
{
    private readonly Random _rng = new(21);

    [Fact]
    public void TrainingNormalizesWithBatchStatistics()
    {
        int n = 3, c = 2, hw = 6;
        var x = GradCheck.Rand(_rng, n, c, 2, 3);
        for (int i = 0; i < x.Numel; i++) x.Data[i] = x.Data[i] * 3 + 5; // a mean far from 0
        var gamma = GradCheck.Rand(_rng, c);
        var beta = GradCheck.Rand(_rng, c);
        var y = Ops.BatchNorm2d(x, gamma, beta, null, null, training: true);
        for (int ch = 0; ch < c; ch++)
        {
            var values = new List<double>();
            for (int i = 0; i < n; i++)
                for (int j = 0; j < hw; j++) values.Add(x.Data[(i * c + ch) * hw + j]);
            double mean = values.Average(), variance = values.Sum(v => (v - mean) * (v - mean)) / values.Count;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < hw; j++)
                {
                    int e = (i * c + ch) * hw + j;
                    double expected = gamma.Data[ch] * (x.Data[e] - mean) / Math.Sqrt(variance + 1e-5) + beta.Data[ch];
                    Assert.Equal(expected, y.Data[e], 4);
                }
        }
    }

    [Fact]
    public void EvalUsesRunningStatisticsAndLeavesThemUnchanged()
    {
        var x = GradCheck.Rand(_rng, 2, 3, 2, 2);
        var gamma = new Tensor(new[] { 3 }, new[] { 2f, -1f, 0.5f });
        var beta = new Tensor(new[] { 3 }, new[] { 0.1f, 0.2f, -0.3f });
        var rm = new Tensor(new[] { 3 }, new[] { 0.5f, -1f, 2f });
        var rv = new Tensor(new[] { 3 }, new[] { 4f, 0.25f, 1f });
        var y = Ops.BatchNorm2d(x, gamma, beta, rm, rv, training: false, eps: 1e-3f);
        for (int e = 0; e < x.Numel; e++)
        {
            int ch = e / 4 % 3;
            double expected = gamma.Data[ch] * (x.Data[e] - rm.Data[ch]) / Math.Sqrt(rv.Data[ch] + 1e-3) + beta.Data[ch];
            Assert.Equal(expected, y.Data[e], 5);
        }
        Assert.Equal(new[] { 0.5f, -1f, 2f }, rm.Data);
        Assert.Equal(new[] { 4f, 0.25f, 1f }, rv.Data);
    }

    [Fact]
    public void RunningStatisticsFollowPyTorchMomentumAndUnbiasedVariance()
    {
        // One channel with values {1, 2, 3, 6}: mean 3, biased variance 14/4, unbiased 14/3.
        var bn = new BatchNorm2d(1);
        var x = new Tensor(new[] { 2, 1, 1, 2 }, new[] { 1f, 2f, 3f, 6f });
        bn.Forward(x);
        // running_mean = 0.9·0 + 0.1·3; running_var = 0.9·1 + 0.1·14/3.
        Assert.Equal(0.3f, bn.RunningMean.Data[0], 6);
        Assert.Equal(0.9 + 1.4 / 3, bn.RunningVar.Data[0], 6);
        bn.Forward(x);
        Assert.Equal(0.9 * 0.3 + 0.3, bn.RunningMean.Data[0], 6);
        Assert.Equal(0.9 * (0.9 + 1.4 / 3) + 1.4 / 3, bn.RunningVar.Data[0], 5);
        // Training output uses the biased batch variance: (1 - 3) / sqrt(3.5 + 1e-5).
        var y = bn.Forward(x);
        Assert.Equal(-2 / Math.Sqrt(3.5 + 1e-5), y.Data[0], 5);
        bn.Eval();
        float rmBefore = bn.RunningMean.Data[0];
        var ye = bn.Forward(x);
        Assert.Equal(rmBefore, bn.RunningMean.Data[0]);
        Assert.Equal((1 - rmBefore) / Math.Sqrt(bn.RunningVar.Data[0] + 1e-5), ye.Data[0], 5);
    }

    [Fact]
    public void CustomMomentumWeighsTheNewBatch()
    {
        var bn = new BatchNorm2d(1, momentum: 0.25f);
        bn.Forward(new Tensor(new[] { 1, 1, 2, 2 }, new[] { 2f, 4f, 6f, 8f })); // mean 5, unbiased var 20/3
        Assert.Equal(1.25f, bn.RunningMean.Data[0], 6);
        Assert.Equal(0.75 + 0.25 * 20 / 3, bn.RunningVar.Data[0], 5);
    }

    [Fact]
    public void TrainingBackwardMatchesFiniteDifferences()
    {
        // h = 1e-3: the batch statistics make the output nonlinear in x, so the step must be small.
        var x = GradCheck.Rand(_rng, 3, 2, 3, 2);
        var gamma = GradCheck.Rand(_rng, 2);
        var beta = GradCheck.Rand(_rng, 2);
        GradCheck.Check(t => Ops.BatchNorm2d(t[0], t[1], t[2], null, null, training: true), new[] { x, gamma, beta }, h: 1e-3, rtol: 2e-2, atol: 5e-3);
    }

    [Fact]
    public void TrainingBackwardWithoutAffineMatchesFiniteDifferences()
    {
        var x = GradCheck.Rand(_rng, 2, 3, 2, 2);
        GradCheck.Check(t => Ops.BatchNorm2d(t[0], null, null, null, null, training: true), new[] { x }, h: 1e-3, rtol: 2e-2, atol: 5e-3);
    }

    [Fact]
    public void EvalBackwardMatchesFiniteDifferences()
    {
        var x = GradCheck.Rand(_rng, 2, 2, 2, 3);
        var gamma = GradCheck.Rand(_rng, 2);
        var beta = GradCheck.Rand(_rng, 2);
        var rm = new Tensor(new[] { 2 }, new[] { 0.3f, -0.2f });
        var rv = new Tensor(new[] { 2 }, new[] { 0.7f, 1.9f });
        GradCheck.Check(t => Ops.BatchNorm2d(t[0], t[1], t[2], rm, rv, training: false), new[] { x, gamma, beta }, h: 0.1);
    }

    [Fact]
    public void ModuleRegistersParametersAndBuffers()
    {
        var model = new Sequential(new Conv2d(1, 4, 3, new Random(1)), new BatchNorm2d(4));
        Assert.Equal(new[] { "0.weight", "0.bias", "1.weight", "1.bias" }, model.NamedParameters().Select(p => p.Name));
        Assert.Equal(new[] { "1.running_mean", "1.running_var" }, model.NamedBuffers().Select(b => b.Name));
        Assert.All(model.Buffers(), b => Assert.False(b.RequiresGrad));
        var bn = (BatchNorm2d)model[1];
        Assert.Equal(new[] { 1f, 1f, 1f, 1f }, bn.Weight.Data);
        Assert.Equal(new[] { 1f, 1f, 1f, 1f }, bn.RunningVar.Data);
        model.Eval();
        Assert.False(bn.Training);
    }

    [Fact]
    public void ShapeErrorsNameTheShapes()
    {
        var x = Tensor.Zeros(2, 3, 2, 2);
        var e1 = Assert.Throws<ArgumentException>(() => Ops.BatchNorm2d(x, Tensor.Zeros(4), null, null, null, training: true));
        Assert.Contains("gamma has shape [4]", e1.Message);
        Assert.Contains("[2, 3, 2, 2]", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Ops.BatchNorm2d(Tensor.Zeros(2, 3), null, null, null, null, training: true));
        Assert.Contains("[2, 3]", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => Ops.BatchNorm2d(Tensor.Zeros(1, 3, 1, 1), null, null, null, null, training: true));
        Assert.Contains("[1, 3, 1, 1]", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() => Ops.BatchNorm2d(x, null, null, null, null, training: false));
        Assert.Contains("running statistics", e4.Message);
    }
}
