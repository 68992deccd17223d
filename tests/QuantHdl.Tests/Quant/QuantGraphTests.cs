using QuantHdl.Compiler.Ir;
using QuantHdl.Models;
using QuantHdl.Engine.Nn;
using QuantHdl.Quantization;
using QuantHdl.Engine.Tensors;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Quant;

public class QuantGraphTests
{
    private static Tensor Images(int n, int c, int h, int seed)
    {
        var rng = new Random(seed);
        var d = new float[n * c * h * h];
        // Pixels on the 1/255 grid, as the loader hands them.
        for (int i = 0; i < d.Length; i++) d[i] = rng.Next(256) / 255f;
        return new Tensor(new[] { n, c, h, h }, d);
    }

    [Fact]
    public void EveryHiddenEdgeIsOnItsActivationGrid()
    {
        var fp = new LayerGraph(ModelSpec.Parse("cnn:c4k3p1-relu-mp2-c6k3-relu-ap2-fc5-relu-fc3", new Shape(1, 12, 12)), new Random(2));
        var q = new QuantGraph(fp, WeightSpec.Parse("post:4"), ActivationSpec.Parse("uniform:3"));
        var x = Images(4, 1, 12, 1);
        q.Forward(x); // the first training batch initialises the activation steps
        q.Eval();
        using var ng = Tensor.NoGrad();
        // Walk the modules by hand and check each quantized edge: values are k * step with 0 <= k <= 7.
        var h = x;
        foreach (var (node, m) in q.Nodes.Take(q.Nodes.Count - 1))
        {
            if (m is QuantConv2d c) c.InputStep = null;
            if (m is QuantLinear l) { l.InputStep = null; if (h.Rank > 2) h = h.Flatten(); }
            h = m.Forward(h);
            var step = m switch { LsqActivationQuantizer a => a.Step.Data[0], QuantPool p => p.Quantizer.Step.Data[0], _ => float.NaN };
            if (float.IsNaN(step)) continue;
            for (int i = 0; i < h.Numel; i++)
            {
                double k = h.Data[i] / step;
                Assert.True(Math.Abs(k - Math.Round(k)) < 1e-4 && k >= -1e-6 && k <= 7 + 1e-4, $"{node.Name}: {h.Data[i]} is not on the grid of step {step}");
            }
        }
        Assert.Equal([4, 3], q.Forward(x).Shape);
        Assert.Equal(9, q.EdgeSteps().Length);
        Assert.Null(q.EdgeSteps()[^1]);
        Assert.Equal(q.EdgeSteps()[0], q.EdgeSteps()[1]);  // conv1's edge is relu1's quantizer
        Assert.Equal(q.EdgeSteps()[1], q.EdgeSteps()[2]);  // max pool keeps the step
    }

    [Fact]
    public void MaxPoolOfCodesIsTheCodeOfTheMaxPool()
    {
        // Quantization is monotone: pooling the quantized values equals quantizing the pooled values.
        var fp = new LayerGraph(ModelSpec.Parse("cnn:c3k3-relu-mp2-fc2", new Shape(1, 8, 8)), new Random(3));
        var q = new QuantGraph(fp, WeightSpec.Parse("uniform:4"), ActivationSpec.Parse("uniform:4"));
        var x = Images(2, 1, 8, 4);
        q.Forward(x);
        q.Eval();
        using var ng = Tensor.NoGrad();
        var conv = (QuantConv2d)q.Nodes[0].Module;
        var act = (LsqActivationQuantizer)q.Nodes[1].Module;
        var a = q.Nodes[2].Module.Forward(act.Forward(conv.Forward(x)));
        var b = act.Forward(q.Nodes[2].Module.Forward(conv.Forward(x)));
        Assert.Equal(b.Data.AsSpan(0, b.Numel).ToArray(), a.Data.AsSpan(0, a.Numel).ToArray());
    }

    [Theory]
    [InlineData("cnn:c4k3-mp2-fc3", "node conv1: a hidden conv must be followed by relu")]
    [InlineData("cnn:c4k3-relu-mp2-relu-fc3", "node relu2: relu must directly follow a conv or dense layer")]
    [InlineData("cnn:c4k3-relu-fc5-fc3", "node fc1: a hidden dense layer must be followed by relu")]
    [InlineData("cnn:c4k3-bn-relu-fc3", "node bn1: fold batch norms")]
    public void UnsupportedOrdersAreRejectedNamingTheNode(string spec, string expected)
    {
        var fp = new LayerGraph(ModelSpec.Parse(spec, new Shape(1, 8, 8)), new Random(1));
        var e = Assert.Throws<ArgumentException>(() => new QuantGraph(fp, WeightSpec.Parse("post:4"), ActivationSpec.Parse("uniform:4")));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ConvBiasSitsOnTheAccumulatorGrid()
    {
        var fp = new LayerGraph(ModelSpec.Parse("cnn:c2k3-relu-fc2", new Shape(1, 5, 5)), new Random(6));
        var q = new QuantGraph(fp, WeightSpec.Parse("post:4"), ActivationSpec.Parse("uniform:4"));
        var conv = (QuantConv2d)q.Nodes[0].Module;
        var b = BiasGrid.Quantize(conv.Bias, conv.Quantizer, 1.0 / 255, 8);
        // POST:4 unit = alpha_c / 255 * 2^-(8 + 3): every bias is an integer number of units.
        for (int c = 0; c < 2; c++)
        {
            double unit = conv.Quantizer.Scale.Data[c] / 255.0 * Math.Pow(2, -11);
            double k = b.Data[c] / unit;
            // The bias is a float32: allow its own rounding (2^-23 relative), no more.
            Assert.True(Math.Abs(k - Math.Round(k)) <= Math.Max(1e-3, Math.Abs(k) * 1.2e-7), $"channel {c}: {k} units");
        }
    }

    [Fact]
    public void QatRefusesAConvWindowTooWideForItsCodeBeforeTraining()
    {
        // conv2's row is 15*15*64 = 14400 inputs of 4-bit codes; pot:6 terms reach 15 << 30, so the sum
        // needs bitlength(15 * 14400 << 30) + 1 = 18 + 30 + 1 = 49 bits, and 49 + 16 + 1 > 64.
        var fp = new LayerGraph(ModelSpec.Parse("cnn:c64k3-relu-c4k15-relu-fc10", new Shape(1, 28, 28)), new Random(1));
        var e = Assert.Throws<ArgumentException>(() => new QuantGraph(fp, WeightSpec.Parse("pot:6"), new ActivationSpec(4)));
        Assert.StartsWith("layer conv2: pot:6 weights on 14400 inputs of 4-bit activations can need a 49-bit accumulator", e.Message);
        Assert.Contains("use pot:5", e.Message);
        // conv1 (9 inputs of 8-bit pixels) fits, and so does fc1 after pooling to 64x2x2 = 256 inputs.
        new QuantGraph(new LayerGraph(ModelSpec.Parse("cnn:c64k3-relu-mp13-fc10", new Shape(1, 28, 28)), new Random(1)), WeightSpec.Parse("pot:6"), new ActivationSpec(4));
    }
}
