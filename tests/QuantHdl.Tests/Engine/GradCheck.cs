using QuantHdl.Engine.Tensors;
using Xunit;

namespace QuantHdl.Tests.Engine;

/// <summary>Compares autograd gradients with central finite differences of L = sum(f(inputs) * R) for a fixed random R.</summary>
internal static class GradCheck
{
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, int seed = 1, double h = 1e-2, double rtol = 2e-2, double atol = 2e-3)
    {
        foreach (var t in inputs) { t.RequiresGrad = true; t.ClearGrad(); }
        var probe = f(inputs);
        var rng = new Random(seed);
        var r = new Tensor(probe.Shape, GemmTests.RandomArray(rng, probe.Numel));
        var loss = Ops.Sum(Ops.Mul(probe, r));
        loss.Backward();

        foreach (var (t, ti) in inputs.Select((t, i) => (t, i)))
        {
            var analytic = t.Grad ?? new float[t.Numel];
            for (int e = 0; e < t.Numel; e++)
            {
                float orig = t.Data[e];
                t.Data[e] = (float)(orig + h);
                double fp = Evaluate(f, inputs, r);
                t.Data[e] = (float)(orig - h);
                double fm = Evaluate(f, inputs, r);
                t.Data[e] = orig;
                double numeric = (fp - fm) / (2 * h);
                Assert.True(Math.Abs(analytic[e] - numeric) <= atol + rtol * Math.Abs(numeric),
                    $"input {ti} element {e}: autograd {analytic[e]}, finite difference {numeric}");
            }
        }
    }

    private static double Evaluate(Func<Tensor[], Tensor> f, Tensor[] inputs, Tensor r)
    {
        using var _ = Tensor.NoGrad();
        var y = f(inputs);
        double s = 0;
        for (int i = 0; i < y.Numel; i++) s += (double)y.Data[i] * r.Data[i];
        return s;
    }

    /// <summary>Random values with |x| in [0.1, 1], so kinks at 0 (ReLU) stay farther than h away.</summary>
    public static Tensor AwayFromZero(Random rng, params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        for (int i = 0; i < t.Numel; i++)
        {
            double v = 0.1 + 0.9 * rng.NextDouble();
            t.Data[i] = (float)(rng.Next(2) == 0 ? -v : v);
        }
        return t;
    }

    public static Tensor Rand(Random rng, params int[] shape) => new(shape, GemmTests.RandomArray(rng, shape.Aggregate(1, (a, b) => a * b)));
}
