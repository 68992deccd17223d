using QuantHdl.Compiler.Freeze;
using QuantHdl.Golden;
using QuantHdl.Compiler.Ir;
using QuantHdl.Models;
using QuantHdl.Compiler.Passes;
using QuantHdl.Quantization;
using QuantHdl.Engine.Tensors;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Freezing;

/// <summary>The frozen network (CNN or MLP) computes, in integers, what the fake-quant graph computes in floats.</summary>
public class FreezerTests
{
    private static (QuantGraph Q, byte[] Pixels, Tensor X) Model(string spec, string weights, int n, int seed, int c = 1, int h = 12, DeploymentSettings? deploy = null)
    {
        var fp = BatchNormFolder.Fold(new LayerGraph(ModelSpec.Parse(spec, new Shape(c, h, h)), new Random(seed)));
        var q = new QuantGraph(fp, WeightSpec.Parse(weights), ActivationSpec.Parse("uniform:4"), deploy);
        var rng = new Random(seed + 1);
        var pixels = new byte[n * c * h * h];
        rng.NextBytes(pixels);
        var x = new Tensor(new[] { n, c, h, h }, pixels.Select(p => p / 255f).ToArray());
        q.Forward(x); // initialises the activation steps
        q.Eval();
        return (q, pixels, x);
    }

    [Theory]
    [InlineData("cnn:c4k3p1-relu-mp2-c8k3-relu-fc10", "post:4")]
    [InlineData("cnn:c4k3s2p1-relu-c4k3p1g4-relu-ap2-fc6-relu-fc5", "uniform:4")]
    [InlineData("cnn:c6k5-relu-mp2-c4k3-relu-gap-fc3", "pot:4")]
    [InlineData("mlp:144-10-8-6", "post:4")]
    public void GoldenCodesAreTheFakeQuantValuesOverTheirSteps(string spec, string weights)
    {
        const int n = 16;
        var (q, pixels, x) = Model(spec, weights, n, 7);
        var g = PassPipeline.Run(Freezer.Freeze(FakeQuantSource.From(q, "t", 1.0 / 256)), PassPipeline.Default(16));
        var sim = new GoldenSimulator(g);
        using var ng = Tensor.NoGrad();
        // The fake-quant value of every frozen node's edge, by walking the modules.
        var fq = new Dictionary<string, Tensor>();
        var h = x;
        var steps = q.EdgeSteps();
        for (int i = 0; i < q.Nodes.Count; i++)
        {
            var (node, m) = q.Nodes[i];
            if (m is QuantConv2d c) c.InputStep = i == 0 ? 1.0 / 255 : steps[i - 1];
            if (m is QuantLinear l) { l.InputStep = i == 0 ? 1.0 / 255 : steps[i - 1]; if (h.Rank > 2) h = h.Flatten(); }
            h = m.Forward(h);
            fq[node.Name] = h;
            if (m is LsqActivationQuantizer) fq[q.Nodes[i - 1].Node.Name] = h;
        }
        int size = pixels.Length / n;
        long compared = 0, equal = 0;
        int agree = 0;
        for (int s = 0; s < n; s++)
        {
            var outs = sim.Run(pixels.AsSpan(s * size, size).ToArray().Select(b => (long)b).ToArray(), s);
            for (int t = 1; t < g.Nodes.Length - 1; t++)
            {
                var node = g.Nodes[t];
                var v = fq[node.Name];
                var shape = EdgeShape.Of(node);
                int per = v.Numel / n;
                for (int e = 0; e < per; e++)
                {
                    // Fake-quant tensors are NCHW (or flat); the stream is (y, x, c).
                    int ch = e % shape.C, pix = e / shape.C;
                    int src = shape.H * shape.W == 1 ? e : ch * shape.H * shape.W + pix;
                    long code = (long)Math.Round(v.Data[s * per + src] / node.OutScale);
                    compared++;
                    if (code == outs[t][e]) equal++;
                    else Assert.True(Math.Abs(code - outs[t][e]) <= 1, $"{node.Name} element {e}: fake-quant code {code}, golden {outs[t][e]}");
                }
            }
            var logits = fq[g.Nodes[^1].Name].Data.AsSpan(s * g.Classes, g.Classes).ToArray();
            int fqArg = Array.IndexOf(logits, logits.Max());
            if (fqArg == GoldenSimulator.ArgMax(outs[^1])) agree++;
        }
        // Float rounding can put a value a hair to the other side of a rounding boundary; almost never.
        Assert.True(equal >= compared * 0.995, $"only {equal}/{compared} hidden codes equal");
        Assert.True(agree >= n - 1, $"only {agree}/{n} predictions agree");
    }

    [Fact]
    public void ConvAndDenseLayersTrainAndFreezeWithTheChosenF()
    {
        // F = 11: every POST node of a CNN carries it, and each fake-quant bias is its IR integer times the
        // unit alpha_c * s_x * 2^-(F + H) of integer-semantics §3 (post:4: J = 6, H = 3), written out here.
        var (q, _, _) = Model("cnn:c4k3p1-relu-mp2-fc6-relu-fc5", "post:4", 8, 5, deploy: new DeploymentSettings(11, 18));
        var g = Freezer.Freeze(FakeQuantSource.From(q, "t", 1.0 / 256));
        var steps = q.EdgeSteps();
        int checkedLayers = 0;
        for (int i = 0; i < q.Nodes.Count; i++)
        {
            var (node, m) = q.Nodes[i];
            var (bias, quantizer, f) = m switch
            {
                QuantConv2d c => (c.Bias, c.Quantizer, c.SqrtFracBits),
                QuantLinear l => (l.Bias, l.Quantizer, l.SqrtFracBits),
                _ => (null!, null!, 0),
            };
            if (bias is null) continue;
            Assert.Equal(11, f);
            var op = g.Nodes.Single(n => n.Name == node.Name).Op;
            var d = op is ConvOp conv ? conv.Mvu : (DenseOp)op;
            Assert.Equal((11, 18), (d.SqrtFracBits, d.Rq.MultiplierBits));
            double sx = i == 0 ? 1.0 / 255 : steps[i - 1]!.Value;
            var fq = BiasGrid.Quantize(bias, quantizer, sx, f).Data;
            for (int c = 0; c < d.Out; c++)
            {
                double units = fq[c] / (quantizer.Scale.Data[c] * sx * Math.Pow(2, -(11 + 3)));
                // The integer exactly; off it only by the float32 rounding of the stored bias.
                Assert.Equal(d.Bias[c], Math.Round(units));
                Assert.True(Math.Abs(units - d.Bias[c]) <= Math.Max(1, Math.Abs(d.Bias[c])) * 1e-6, $"{node.Name} channel {c}: {units} units");
            }
            checkedLayers++;
        }
        Assert.Equal(3, checkedLayers);
    }

    [Fact]
    public void WindowMatrixPutsEachWeightAtItsWindowColumn()
    {
        // One output, 2 input channels, K = 2: w[o=0][c][ky][kx] = 10c + 2ky + kx lands at column (2ky + kx)*2 + c.
        var (q, _, _) = Model("cnn:c1k2-relu-fc2", "uniform:8", 2, 3, c: 2, h: 4);
        var conv = (QuantConv2d)q.Nodes[0].Module;
        for (int c = 0; c < 2; c++) for (int ky = 0; ky < 2; ky++) for (int kx = 0; kx < 2; kx++)
            conv.Weight.Data[(c * 2 + ky) * 2 + kx] = 10 * c + 2 * ky + kx;
        Assert.Equal([0, 10, 1, 11, 2, 12, 3, 13], FakeQuantSource.WindowMatrix(conv));
    }

    [Fact]
    public void DenseColumnsMoveFromChannelMajorToPixelMajor()
    {
        // 2 channels of 1x2 pixels: PyTorch column (c, x) = c*2 + x goes to stream column x*2 + c.
        Assert.Equal([0, 2, 1, 3], FakeQuantSource.ToStreamOrder([0, 1, 2, 3], 1, new Shape(2, 1, 2)));
    }
}
