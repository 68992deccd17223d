using QuantHdl.Arithmetic;
using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;
using QuantHdl.Models;
using QuantHdl.Quantization;

namespace QuantHdl.Tests.Asq;

/// <summary>
/// ASQ's adapter and quantizer (docs/asq.md): the spec's parsing, the adapter's shapes and initialisation,
/// equality with LSQ where beta is 1, and every gradient path against central finite differences.
/// </summary>
public class AsqQuantizerTests
{
    [Theory]
    [InlineData("asq:0", "activation bits 0 in 'asq:0' are out of range; use 1..16")]
    [InlineData("asq:17", "activation bits 17 in 'asq:17' are out of range; use 1..16")]
    [InlineData("asqq:4", "activation kind 'asqq' in 'asqq:4' is not supported; use uniform or asq")]
    [InlineData("asq", "activation spec 'asq' is not of the form kind:B, e.g. uniform:4 or asq:4")]
    public void BadActivationSpecsAreRefusedNamingTheValue(string text, string message)
    {
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => ActivationSpec.Parse(text)).Message);
    }

    [Fact]
    public void AsqSpecsParseAndPrintBack()
    {
        var a = ActivationSpec.Parse("ASQ:4");
        Assert.Equal(new ActivationSpec(4, ActivationKind.Asq), a);
        Assert.Equal("asq:4", a.ToString());
        Assert.Equal(new ActivationSpec(4), ActivationSpec.Parse("uniform:4"));
        Assert.NotEqual(ActivationSpec.Parse("uniform:4"), a);
    }

    [Theory]
    [InlineData(4, new[] { 1 })]       // C < 8: Linear(C, 1)
    [InlineData(7, new[] { 1 })]
    [InlineData(8, new[] { 2, 1 })]    // C >= 8: Linear(C, C/4) -> Linear(C/4, 1)
    [InlineData(12, new[] { 3, 1 })]
    public void TheAdapterHasOneLayerBelowEightChannelsAndTwoFromEight(int channels, int[] outs)
    {
        var a = new AsqAdapter(channels, new Random(1));
        Assert.Equal(outs, a.Layers.Select(l => l.OutFeatures).ToArray());
        Assert.Equal(channels, a.Layers[0].InFeatures);
        var last = a.Layers[^1];
        Assert.Equal(1f, last.Bias!.Data[0]);
        Assert.All(last.Weight.Data, w => Assert.InRange(w, -0.05f, 0.05f)); // N(0, 0.01): 5 sigma
    }

    [Fact]
    public void TheLastLayerStartsNormalWithStdOneHundredth()
    {
        // 256 inputs -> 64 hidden -> 1: the 64 last weights, pooled over 40 adapters, have the std of N(0, 0.01).
        var w = Enumerable.Range(0, 40).SelectMany(s => new AsqAdapter(256, new Random(s)).Layers[^1].Weight.Data).Select(v => (double)v).ToArray();
        double mean = w.Average(), std = Math.Sqrt(w.Select(v => (v - mean) * (v - mean)).Sum() / (w.Length - 1));
        Assert.InRange(mean, -0.0015, 0.0015);
        Assert.InRange(std, 0.0093, 0.0107);
    }

    [Fact]
    public void TheSameSeedGivesTheSameAdaptersAndAnotherSeedOthers()
    {
        var fp = new LayerGraph(ModelSpec.Parse("mlp:16-12-5-3", Shape.Flat(16)), new Random(1));
        float[] Adapters(int seed) => new QuantGraph(fp, WeightSpec.Parse("post:4"), ActivationSpec.Parse("asq:4"), seed: seed)
            .AsqQuantizers().SelectMany(q => q.Quantizer.Adapter.Parameters().SelectMany(p => p.Data)).ToArray();
        Assert.Equal(Adapters(3), Adapters(3));
        Assert.NotEqual(Adapters(3), Adapters(4));
        // relu1 reads 12 features (two layers: 12 -> 3 -> 1), relu2 reads 5 (one layer: 5 -> 1).
        Assert.Equal(12 * 3 + 3 + 3 + 1 + 5 + 1, Adapters(3).Length);
    }

    [Theory]
    [InlineData(12, true)]
    [InlineData(4, true)]
    [InlineData(16, false)]
    public void AtInitBetaIsNearOneAndTheOutputIsLsqsAtStepSTimesBeta(int channels, bool images)
    {
        var rng = new Random(channels);
        var q = new AsqActivationQuantizer(4, channels, new Random(5));
        var x = images ? Positive(rng, 3, channels, 2, 2) : Positive(rng, 3, channels);
        var y = q.Forward(x); // training mode: the first batch sets s
        float s = q.Step.Data[0];
        Assert.True(s > 0);
        double sumAbs = x.Data.Sum(v => Math.Abs((double)v));
        Assert.Equal((float)(2 * sumAbs / x.Numel / Math.Sqrt(15)), s, 5); // LSQ's 2 mean|x| / sqrt(p)
        using var ng = Tensor.NoGrad();
        var beta = q.Adapter.Forward(x);
        int per = x.Numel / 3;
        for (int b = 0; b < 3; b++)
        {
            Assert.InRange(beta.Data[b], 0.95f, 1.05f);
            // The reference: LSQ's own quantizer with its step set to s * beta_b.
            var lsq = new LsqActivationQuantizer(4);
            lsq.Step.Data[0] = s * beta.Data[b];
            var row = new Tensor([1, per], x.Data.AsSpan(b * per, per).ToArray());
            Assert.Equal(lsq.Forward(row).Data, y.Data.AsSpan(b * per, per).ToArray());
        }
    }

    [Theory]
    [InlineData(12)]
    [InlineData(4)]
    public void WithBetaExactlyOneAsqIsLsqInValueAndGradient(int channels)
    {
        var rng = new Random(3);
        var q = new AsqActivationQuantizer(3, channels, new Random(1));
        Array.Clear(q.Adapter.Layers[^1].Weight.Data); // beta = relu(0 + 1) = 1 for every input
        q.Step.Data[0] = 0.2f;
        var lsq = new LsqActivationQuantizer(3);
        lsq.Step.Data[0] = 0.2f;
        var data = Positive(rng, 2, channels, 3, 3).Data;
        var xa = new Tensor([2, channels, 3, 3], (float[])data.Clone(), requiresGrad: true);
        var xl = new Tensor([2, channels, 3, 3], (float[])data.Clone(), requiresGrad: true);
        var r = GradRand(rng, xa.Shape);
        var ya = q.Forward(xa);
        var yl = lsq.Forward(xl);
        Assert.Equal(yl.Data, ya.Data);
        Ops.Sum(Ops.Mul(ya, r)).Backward();
        Ops.Sum(Ops.Mul(yl, r)).Backward();
        Assert.Equal(xl.Grad!, xa.Grad!);
        Assert.Equal(lsq.Step.Grad![0], q.Step.Grad![0], 5);
    }

    /// <summary>
    /// Every gradient against central finite differences. Outside the range the quantizer is smooth:
    /// x_hat = p * s * beta(x) above it and 0 below, so the reference is the difference quotient of the
    /// forward itself. Inside the range round() is a step function, and the straight-through estimator is
    /// a definition: its gradient is the derivative of the surrogate s_a * (v + c) with c = round(v) - v
    /// frozen at the base point (docs/asq.md). Both are evaluated here in double from the adapter's beta;
    /// inputs stay away from rounding boundaries and range edges, and the autograd s gradient is divided
    /// by LSQ's scale 1/sqrt(N p).
    /// </summary>
    [Theory]
    [InlineData(12, true)]
    [InlineData(5, true)]
    [InlineData(10, false)]
    public void GradientsOfSBetaAdapterAndXMatchFiniteDifferences(int channels, bool images)
    {
        const int bits = 3, p = 7, batch = 3;
        var rng = new Random(channels * 7 + (images ? 1 : 0));
        var q = new AsqActivationQuantizer(bits, channels, new Random(2));
        // Spread the adapter's last weights so that beta varies well away from 1 and its gradients are large.
        foreach (var l in q.Adapter.Layers)
            for (int i = 0; i < l.Weight.Numel; i++) l.Weight.Data[i] = (float)(rng.NextDouble() - 0.5);
        q.Step.Data[0] = 0.25f;
        int[] shape = images ? [batch, channels, 2, 2] : [batch, channels];
        var x = new Tensor(shape, new float[shape.Aggregate(1, (a, b) => a * b)], requiresGrad: true);
        int per = x.Numel / batch;
        // Codes in three regions: below 0, inside (v = k + 0.2..0.3 off the half), above p; fixed after beta is known.
        for (int i = 0; i < x.Numel; i++) x.Data[i] = (float)(0.2 + rng.NextDouble());
        float[] beta0 = Beta(q, x);
        var k = Enumerable.Range(0, x.Numel).Select(_ => rng.Next(0, p)).ToArray();
        for (int round = 0; round < 8; round++) // beta reads x: iterate to the fixed point
        {
            for (int b = 0; b < batch; b++)
                for (int i = b * per; i < (b + 1) * per; i++)
                {
                    float sa = q.Step.Data[0] * beta0[b];
                    int region = i % 5;
                    x.Data[i] = region == 0 ? -0.3f : region == 4 ? (p + 2.3f) * sa : (k[i] + 0.25f) * sa;
                }
            beta0 = Beta(q, x);
        }
        var r = GradRand(rng, x.Shape);
        // Regions and frozen c from the base point.
        var region0 = new int[x.Numel];
        var c0 = new double[x.Numel];
        for (int b = 0; b < batch; b++)
            for (int i = b * per; i < (b + 1) * per; i++)
            {
                double v = x.Data[i] / (double)(q.Step.Data[0] * beta0[b]);
                region0[i] = v < 0 ? -1 : v > p ? 1 : 0;
                c0[i] = Math.Floor(v + 0.5) - v;
                if (region0[i] == 0) Assert.InRange(Math.Abs(c0[i]), 0.1, 0.4); // away from a rounding boundary
            }
        double Surrogate()
        {
            using var ng = Tensor.NoGrad();
            var beta = Beta(q, x);
            double s = q.Step.Data[0], l = 0;
            for (int b = 0; b < batch; b++)
                for (int i = b * per; i < (b + 1) * per; i++)
                {
                    double sa = s * beta[b];
                    double xh = region0[i] switch { -1 => 0, 1 => p * sa, _ => x.Data[i] + sa * c0[i] };
                    l += r.Data[i] * xh;
                }
            return l;
        }

        q.ZeroGrad();
        var y = q.Forward(x);
        Ops.Sum(Ops.Mul(y, r)).Backward();
        double gScale = 1.0 / Math.Sqrt((double)per * p);
        Check("s", q.Step, 0, q.Step.Grad![0] / gScale, Surrogate, 1e-3);
        foreach (var (name, t) in q.Adapter.NamedParameters())
            for (int e = 0; e < t.Numel; e++) Check(name, t, e, t.Grad![e], Surrogate, 1e-3);
        for (int e = 0; e < x.Numel; e += 3) Check("x", x, e, x.Grad![e], Surrogate, 1e-3);
    }

    [Fact]
    public void TheStepGradientSumsGTimesBetaAndTheBetaGradientIsGTimesS()
    {
        // Hand-worked, one sample of two elements, p = 3 (2 bits), s = 0.5, beta = 2: s_a = 1.
        // x = 1.3 (v = 1.3, G = round(1.3) - 1.3 = -0.3) and x = 5 (v = 5 > 3, G = p = 3); dL/dx_hat = (1, 2).
        // sum g G = -0.3 + 6 = 5.7: dL/ds = 5.7 * beta * gs = 11.4 / sqrt(2 * 3); dL/dbeta = 5.7 * s = 2.85.
        var x = new Tensor([1, 2], [1.3f, 5f], requiresGrad: true);
        var beta = new Tensor([1], [2f], requiresGrad: true);
        var step = new Tensor([1], [0.5f], requiresGrad: true);
        var y = AsqActivationQuantizer.Quantize(x, beta, step, 3);
        Assert.Equal([1f, 3f], y.Data);
        Ops.Sum(Ops.Mul(y, new Tensor([1, 2], [1f, 2f]))).Backward();
        Assert.Equal(11.4 / Math.Sqrt(6), step.Grad![0], 5);
        Assert.Equal(2.85, beta.Grad![0], 5);
        Assert.Equal([1f, 0f], x.Grad!); // STE inside, 0 above
    }

    [Fact]
    public void StaticModeUsesTheCalibratedBetaForEverySample()
    {
        // s = 0.1, static beta 0.8: s_a = 0.08; x = 0.26 -> round(3.25) = 3 -> 0.24; 0.5 -> round(6.25) = 6 -> 0.48; 10 -> clamp 15 -> 1.2.
        var q = new AsqActivationQuantizer(4, 3, new Random(1));
        q.Step.Data[0] = 0.1f;
        q.Static = true;
        Assert.Throws<InvalidOperationException>(() => q.Forward(new Tensor([1, 3], [0.26f, 0.5f, 10f])));
        q.StaticBeta.Data[0] = 0.8f;
        var y = q.Forward(new Tensor([2, 3], [0.26f, 0.5f, 10f, 0.26f, 0.5f, 10f]));
        float sa = 0.1f * 0.8f;
        Assert.Equal(new[] { 3 * sa, 6 * sa, 15 * sa, 3 * sa, 6 * sa, 15 * sa }, y.Data);
        Assert.Equal(sa, q.StaticStep);
    }

    private static void Check(string what, Tensor t, int e, double analytic, Func<double> loss, double h)
    {
        float orig = t.Data[e];
        t.Data[e] = (float)(orig + h);
        double hp = t.Data[e] - orig;
        double fp = loss();
        t.Data[e] = (float)(orig - h);
        double hm = orig - t.Data[e];
        double fm = loss();
        t.Data[e] = orig;
        double numeric = (fp - fm) / (hp + hm);
        Assert.True(Math.Abs(analytic - numeric) <= 2e-3 + 2e-2 * Math.Abs(numeric),
            $"{what}[{e}]: autograd {analytic}, finite difference {numeric}");
    }

    private static float[] Beta(AsqActivationQuantizer q, Tensor x)
    {
        using var ng = Tensor.NoGrad();
        return q.Adapter.Forward(new Tensor(x.Shape, x.Data)).Data.ToArray();
    }

    private static Tensor Positive(Random rng, params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        for (int i = 0; i < t.Numel; i++) t.Data[i] = (float)(rng.NextDouble() * 1.5);
        return t;
    }

    private static Tensor GradRand(Random rng, int[] shape)
    {
        var a = new float[shape.Aggregate(1, (x, y) => x * y)];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        return new Tensor(shape, a);
    }
}
