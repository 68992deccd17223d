using QuantHdl.Arithmetic;
using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;
using QuantHdl.Models;
using QuantHdl.Ptq;

namespace QuantHdl.Tests.Ptq;

/// <summary>Each post-training step against a case worked by hand or a direct reference (docs/ptq.md).</summary>
public class PtqStepTests
{
    private static LayerGraph Cnn(string spec, Shape input, int seed) => new(ModelSpec.Parse(spec, input), new Random(seed));

    private static Tensor Random(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        var t = Tensor.Zeros(shape);
        for (int i = 0; i < t.Numel; i++) t.Data[i] = (float)rng.NextDouble();
        return t;
    }

    private static float[] Run(LayerGraph g, Tensor x)
    {
        g.Eval();
        using var ng = Tensor.NoGrad();
        return (float[])g.Forward(x).Data.Clone();
    }

    private static void AssertClose(float[] expected, float[] actual, double tol)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * scale, $"output {i}: {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void BatchNormFoldingPreservesTheFloatFunction()
    {
        var g = Cnn("cnn:c4k3-bn-relu-mp2-fc10", new Shape(1, 8, 8), 3);
        var rng = new Random(5);
        var bn = g.Nodes.Select(n => n.Module).OfType<BatchNorm2d>().Single();
        for (int c = 0; c < 4; c++)
        {
            bn.Weight.Data[c] = (float)(0.5 + rng.NextDouble());
            bn.Bias.Data[c] = (float)(rng.NextDouble() - 0.5);
            bn.RunningMean.Data[c] = (float)(rng.NextDouble() - 0.5);
            bn.RunningVar.Data[c] = (float)(0.1 + rng.NextDouble());
        }
        var x = Random(7, 16, 1, 8, 8);
        var folded = BatchNormFolder.Fold(g);
        Assert.DoesNotContain(folded.Nodes, n => n.Module is BatchNorm2d);
        AssertClose(Run(g, x), Run(folded, x), 1e-5);
    }

    [Fact]
    public void CleEqualizesAConstructedPairByHand()
    {
        var g = TestModels.MlpGraph("mlp:2-2-2", 0);
        var (fc1, fc2) = ((Linear)g.Nodes[0].Module, (Linear)g.Nodes[2].Module);
        // Row ranges r1 = [4, 0.5]; column ranges r2 = [1, 2]; so s = sqrt(r1 / r2) = [2, 0.5].
        new float[] { 4, -1, 0.5f, 0.25f }.CopyTo(fc1.Weight.Data, 0);
        new float[] { 1, 2, -0.5f, -1 }.CopyTo(fc2.Weight.Data, 0);
        new float[] { 2, 1 }.CopyTo(fc1.Bias!.Data, 0);
        CrossLayerEqualization.Apply(g);
        Assert.Equal(new float[] { 2, -0.5f, 1, 0.5f }, fc1.Weight.Data);
        Assert.Equal(new float[] { 1, 2 }, fc1.Bias.Data);
        Assert.Equal(new float[] { 2, 1, -1, -0.5f }, fc2.Weight.Data);
    }

    [Fact]
    public void ClePreservesTheFunctionAndEqualizesEveryPair()
    {
        var g = Cnn("cnn:c4k3-relu-mp2-c6k3-relu-fc5", new Shape(1, 10, 10), 11);
        // Channels of very different ranges, so that equalization has work to do.
        foreach (var m in g.Nodes.Select(n => n.Module).Where(m => m is Conv2d or Linear))
        {
            var w = LayerPair.Weight(m);
            int outs = LayerPair.Outputs(m), per = w.Length / outs;
            for (int c = 0; c < outs; c++)
                for (int j = 0; j < per; j++) w[c * per + j] *= MathF.Pow(4, c % 3 - 1);
        }
        var x = Random(2, 8, 1, 10, 10);
        var before = Run(g, x);
        Assert.True(CrossLayerEqualization.Apply(g) > 1);
        AssertClose(before, Run(g, x), 1e-5);
        foreach (var pair in LayerPair.Of(g))
        {
            var (w1, w2) = (LayerPair.Weight(pair.FirstLayer), LayerPair.Weight(pair.SecondLayer));
            for (int c = 0; c < pair.Channels; c++)
            {
                var (off, len) = LayerPair.Row(pair.FirstLayer, c);
                double r1 = w1.Skip(off).Take(len).Max(Math.Abs);
                double r2 = LayerPair.InputChannel(pair.SecondLayer, pair.Channels, c).Max(k => Math.Abs(w2[k]));
                Assert.True(Math.Abs(r1 - r2) <= 1e-3 * r1, $"pair {pair.First}-{pair.Second} channel {c}: ranges {r1} and {r2}");
            }
        }
    }

    [Fact]
    public void BiasAbsorptionPreservesTheFunctionWhenTheChannelsStayPositive()
    {
        var g = TestModels.MlpGraph("mlp:2-3-2", 1);
        var (fc1, fc2) = ((Linear)g.Nodes[0].Module, (Linear)g.Nodes[2].Module);
        new float[] { 0.1f, -0.05f, 0.2f, 0.1f, -0.1f, 0.05f }.CopyTo(fc1.Weight.Data, 0);
        new float[] { 5, -1, 3 }.CopyTo(fc1.Bias!.Data, 0);
        var b2 = (float[])fc2.Bias!.Data.Clone();
        var x = Random(4, 200, 2);
        var before = Run(g, x);
        var pre = BiasAbsorption.PreActivation(g, x, 0);
        var c = BiasAbsorption.Absorbable(pre, 3);
        // Channel 0 stays near 5 and channel 2 near 3 (|W x| <= 0.3): both move most of their bias; channel 1 is negative.
        Assert.True(c[0] > 4.5 && c[2] > 2.5 && c[1] == 0, $"c = [{string.Join(", ", c)}]");
        for (int s = 0; s < 200; s++) Assert.True(pre.Data[s * 3] >= c[0] && pre.Data[s * 3 + 2] >= c[2]);
        Assert.Equal(2, BiasAbsorption.Apply(g, x));
        Assert.Equal(5 - c[0], fc1.Bias.Data[0], 5);
        Assert.Equal(3 - c[2], fc1.Bias.Data[2], 5);
        for (int o = 0; o < 2; o++) Assert.Equal(b2[o] + fc2.Weight.Data[o * 3] * c[0] + fc2.Weight.Data[o * 3 + 2] * c[2], fc2.Bias.Data[o], 4);
        AssertClose(before, Run(g, x), 1e-5);
    }

    [Fact]
    public void MseRangeSearchFindsTheOptimumWorkedByHand()
    {
        // 100 ones and one 9 at 2 bits (levels 0..3 s): for steps in [2/3, 2) the ones round to one step, so
        // err(s) = 100 (1 - s)^2 + (9 - 3 s)^2, least at s = 254/218 (err 33.03); every other regime is worse.
        var x = Enumerable.Repeat(1f, 100).Append(9f).ToArray();
        Assert.Equal(254.0 / 218, RangeSetting.ActivationStep(x, 2, RangeMethod.Mse, 99.99), 4);
        Assert.Equal(3.0, RangeSetting.ActivationStep(x, 2, RangeMethod.MinMax, 99.99), 6);
    }

    [Fact]
    public void MseWeightRangeIsAsGoodAsADenseScan()
    {
        var rng = new Random(9);
        var w = Enumerable.Range(0, 400).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))).ToArray();
        var spec = new WeightSpec(WeightCode.Uniform, 4);
        float s = RangeSetting.WeightScales(w, 1, spec, RangeMethod.Mse, perChannel: true, 99.99)[0];
        double max = w.Max(Math.Abs), best = double.PositiveInfinity;
        for (int k = 1; k <= 20000; k++) best = Math.Min(best, RangeSetting.WeightError(w, (float)(max * k / 20000 / 7), spec, null));
        double found = RangeSetting.WeightError(w, s, spec, null);
        Assert.True(found <= best * (1 + 1e-3), $"search error {found}, dense scan {best}");
        Assert.True(found < RangeSetting.WeightError(w, (float)(max / 7), spec, null), "MSE clips a Gaussian's tails at 4 bits");
    }

    [Fact]
    public void BiasCorrectionRemovesTheExpectedShiftOfAConstructedLayer()
    {
        // W = [0.3, -0.2], W_q = [0.5, 0], E[x] = [2, 3]: the shift is (0.2)(2) + (0.2)(3) = 1.
        var x = Tensor.FromArray([1, 2, 3, 4], 2, 2);
        float[] w = [0.3f, -0.2f], wq = [0.5f, 0f];
        var shift = BiasCorrection.ExpectedShift((a, ww, b) => Ops.Linear(a, ww, b), x, wq, w, [1, 2], 1);
        Assert.Equal(1.0, shift[0], 6);
        float[] bias = [0.25f];
        BiasCorrection.Apply(bias, shift);
        Assert.Equal(-0.75f, bias[0], 6);
        double meanFloat = (0.3 * 1 - 0.2 * 2 + 0.3 * 3 - 0.2 * 4) / 2 + 0.25, meanQuant = (0.5 * 1 + 0.5 * 3) / 2 + bias[0];
        Assert.Equal(meanFloat, meanQuant, 6);
    }

    [Fact]
    public void AdaRoundRectifiedSigmoidAndRegularizerMatchTheirFormulas()
    {
        Assert.Equal(0.5, AdaRound.H(0), 12);
        Assert.Equal(1.0 / (1 + Math.Exp(-1.0)) * 1.2 - 0.1, AdaRound.H(1), 12);
        Assert.Equal(1, AdaRound.H(10));
        Assert.Equal(0, AdaRound.H(-10));
        foreach (double v in new[] { 0.3, -1.2, 2.0 })
        {
            double fd = (AdaRound.H(v + 1e-6) - AdaRound.H(v - 1e-6)) / 2e-6;
            Assert.Equal(fd, AdaRound.DH(v), 6);
            Assert.Equal(v, AdaRound.InverseH(AdaRound.H(v)), 6);
            foreach (double beta in new[] { 2.0, 7.5, 20.0 })
            {
                double rfd = (AdaRound.Regularizer([(float)(v + 1e-3)], beta) - AdaRound.Regularizer([(float)(v - 1e-3)], beta)) / 2e-3;
                Assert.Equal(rfd, AdaRound.RegularizerGradient(v, beta), 3);
            }
        }
        // h = 1/2 costs 1 whatever beta; h at 0 or 1 costs nothing; 1 - |2h - 1|^beta in between.
        Assert.Equal(1, AdaRound.Regularizer([0f], 3), 12);
        Assert.Equal(0, AdaRound.Regularizer([10f, -10f], 3), 12);
        Assert.Equal(1 - Math.Pow(Math.Abs(2 * AdaRound.H(0.5) - 1), 4), AdaRound.Regularizer([0.5f], 4), 6);
        // beta: none during the 20% warm-up, then linear from 20 to 2.
        Assert.Null(AdaRound.Beta(199, 1000));
        Assert.Equal(20, AdaRound.Beta(200, 1000)!.Value, 12);
        Assert.Equal(11, AdaRound.Beta(600, 1000)!.Value, 12);
        Assert.Equal(2 + 18.0 / 800, AdaRound.Beta(999, 1000)!.Value, 12);
    }

    [Fact]
    public void AdaRoundEndsWithHAtZeroOrOneAndReconstructsBetterThanNearest()
    {
        int inF = 16, outF = 8, n = 256;
        var rng = new Random(3);
        var w = Enumerable.Range(0, inF * outF).Select(_ => (float)((rng.NextDouble() - 0.5) * 0.6)).ToArray();
        var b = Tensor.FromArray(Enumerable.Range(0, outF).Select(_ => (float)(rng.NextDouble() * 0.2)).ToArray(), outF);
        var x = Random(8, n, inF);
        var spec = new WeightSpec(WeightCode.Uniform, 3);
        var scales = RangeSetting.WeightScales(w, outF, spec, RangeMethod.MinMax, true, 100);
        Tensor target;
        using (Tensor.NoGrad()) target = Ops.Relu(Ops.Linear(x, Tensor.FromArray(w, outF, inF), b));
        var ar = new AdaRound(w, scales, spec);
        ar.Optimize(x, target, (a, ww) => Ops.Linear(a, ww, b), [outF, inF], relu: true, AdaRoundSettings.DefaultIterations, seed: 1, _ => { });
        int binary = ar.V.Data.Count(v => AdaRound.H(v) is 0 or 1);
        Assert.True(binary >= 0.95 * w.Length, $"{binary} of {w.Length} h(V) at 0 or 1");
        double Error(float[] levels)
        {
            var wq = levels.Select((l, k) => l * scales[k / inF]).ToArray();
            using var ng = Tensor.NoGrad();
            var y = Ops.Relu(Ops.Linear(x, Tensor.FromArray(wq, outF, inF), b));
            return y.Data.Zip(target.Data, (p, t) => (double)(p - t) * (p - t)).Sum();
        }
        var nearest = w.Select((v, k) => RangeSetting.NearestLevel(v / scales[k / inF], spec, null)).ToArray();
        double ada = Error(ar.Levels()), rtn = Error(nearest);
        Assert.True(ada < 0.8 * rtn, $"AdaRound error {ada}, nearest {rtn}");
    }

    [Fact]
    public void AdaRoundChoosesBetweenNeighbouringPostLevels()
    {
        var spec = new WeightSpec(WeightCode.Post, 4);
        var codec = new PowerCodec(spec);
        float[] w = [0.6f, -0.3f, 1.7f];
        var ar = new AdaRound(w, [1f], spec);
        // Start: h(V) = where w sits between its neighbours, so W~ = W (1.7 clamps to the top level 1).
        using var ng = Tensor.NoGrad();
        var soft = ar.SoftWeights([1, 3]).Data;
        Assert.Equal(0.6f, soft[0], 2);
        Assert.Equal(-0.3f, soft[1], 2);
        Assert.Equal(1f, soft[2], 5);
        var levels = ar.Levels();
        // 0.6 lies between 0.5 and 1/sqrt 2, -0.3 between -0.3536 and -0.25: each level is one of its two neighbours.
        Assert.Contains(levels[0], new[] { 0.5f, (float)Math.Pow(2, -0.5) });
        Assert.Contains(levels[1], new[] { -(float)Math.Pow(2, -1.5), -0.25f });
        Assert.All(levels, l => Assert.Equal(l, codec.Quantize(l)));
    }
}
