using QuantHdl.Engine.Optim;
using QuantHdl.Engine.Tensors;
using Xunit;

namespace QuantHdl.Tests.Engine;

public class OptimTests
{
    [Fact]
    public void SgdWithMomentumAndDecayMatchesHandComputation()
    {
        var p = new Tensor(new[] { 1 }, new[] { 1f }, requiresGrad: true);
        var opt = new SGD(new[] { p }, lr: 0.1, momentum: 0.9, weightDecay: 0.01);
        double pv = 1, buf = 0;
        for (int t = 0; t < 5; t++)
        {
            opt.ZeroGrad();
            p.EnsureGrad()[0] = 0.5f; // constant gradient
            opt.Step();
            double g = 0.5 + 0.01 * pv;
            buf = t == 0 ? g : 0.9 * buf + g;
            pv -= 0.1 * buf;
            Assert.Equal(pv, p.Data[0], 5);
        }
    }

    [Fact]
    public void AdamMatchesReferenceFormula()
    {
        var rng = new Random(3);
        var p = GradCheck.Rand(rng, 37);
        p.RequiresGrad = true;
        var reference = p.Data.Select(v => (double)v).ToArray();
        var m = new double[37];
        var v = new double[37];
        var opt = new Adam(new[] { p }, lr: 0.01, weightDecay: 0.001);
        for (int t = 1; t <= 10; t++)
        {
            var g = GemmTests.RandomArray(rng, 37);
            opt.ZeroGrad();
            g.CopyTo(p.EnsureGrad(), 0);
            opt.Step();
            for (int i = 0; i < 37; i++)
            {
                double gi = g[i] + 0.001 * reference[i];
                m[i] = 0.9 * m[i] + 0.1 * gi;
                v[i] = 0.999 * v[i] + 0.001 * gi * gi;
                double mh = m[i] / (1 - Math.Pow(0.9, t)), vh = v[i] / (1 - Math.Pow(0.999, t));
                reference[i] -= 0.01 * mh / (Math.Sqrt(vh) + 1e-8);
            }
        }
        for (int i = 0; i < 37; i++) Assert.Equal(reference[i], p.Data[i], 4);
    }

    [Fact]
    public void ParametersWithoutGradAreSkipped()
    {
        var p = new Tensor(new[] { 2 }, new[] { 1f, 2f }, requiresGrad: true);
        new Adam(new[] { p }).Step();
        new SGD(new[] { p }, 0.1).Step();
        Assert.Equal(new[] { 1f, 2f }, p.Data);
    }

    [Fact]
    public void DuplicateParameterIsRejected()
    {
        var p = Tensor.Zeros(1);
        Assert.Throws<ArgumentException>(() => new SGD(new[] { p, p }, 0.1));
    }

    [Fact]
    public void CosineScheduleEndpoints()
    {
        Assert.Equal(0.1, CosineSchedule.At(0, 100, 0.1), 12);
        Assert.Equal(0.05, CosineSchedule.At(50, 100, 0.1), 12);
        Assert.Equal(0.001, CosineSchedule.At(100, 100, 0.1, 0.001), 12);
        Assert.Equal(0.001, CosineSchedule.At(150, 100, 0.1, 0.001), 12);
        var opt = new SGD(new[] { Tensor.Zeros(1) }, 0.2);
        var sched = new CosineSchedule(opt, 4);
        Assert.Equal(0.2, opt.Lr, 12);
        sched.Step(); sched.Step();
        Assert.Equal(0.1, opt.Lr, 12);
    }
}
