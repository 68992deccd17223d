using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Freeze;
using QuantHdl.Engine.Tensors;
using QuantHdl.Models;
using QuantHdl.Quantization;

namespace QuantHdl.Tests.Quant;

/// <summary>Fake-quant residual blocks: signed pre-add quantizers, the add at §9, and the DAG source the freezer reads.</summary>
public class ResidualQuantTests
{
    // Stem 4, stage 1 of 4 channels (identity shortcut), stage 2 of 8 (1x1 stride-2 shortcut), 3 logits.
    private static QuantGraph Tiny(string weights = "uniform:4") =>
        Quantized(ModelSpec.FromGraph("tiny", new Shape(1, 8, 8), ResNet.Nodes(4, [4, 8], 1, 3)), weights);

    private static QuantGraph Quantized(ModelSpec spec, string weights)
    {
        var fp = BatchNormFolder.Fold(new LayerGraph(spec, new Random(5)));
        var q = new QuantGraph(fp, WeightSpec.Parse(weights), ActivationSpec.Parse("uniform:4"));
        var rng = new Random(6);
        var s = spec.Input;
        var x = new Tensor([2, s.C, s.H, s.W], Enumerable.Range(0, 2 * (int)s.Features).Select(_ => rng.Next(256) / 255f).ToArray());
        q.Forward(x); // the first training batch initialises every activation step
        q.Eval();
        return q;
    }

    [Fact]
    public void SignedActivationQuantizerClampsRoundsAndScalesTheStepGradient()
    {
        // 4-bit signed: codes -8..7, step 0.5. x = 0.3 -> 1 (0.5), -1.2 -> -2 (-1.0), 5 -> 7 (3.5), -6 -> -8 (-4.0).
        var q = new LsqActivationQuantizer(4, signed: true);
        q.Step.Data[0] = 0.5f;
        var x = new Tensor([1, 4], [0.3f, -1.2f, 5f, -6f], requiresGrad: true);
        var y = q.Forward(x);
        Assert.Equal([0.5f, -1.0f, 3.5f, -4.0f], y.Data.Take(4));
        Ops.Sum(y).Backward();
        Assert.Equal([1f, 1f, 0f, 0f], x.Grad!);
        // dq/ds: round(v) - v inside, 7 above, -8 below; scaled by 1/sqrt(N * Qp) = 1/sqrt(4 * 7).
        float expected = (float)((1 - 0.6) + (-2 + 2.4) + 7 - 8) / MathF.Sqrt(4 * 7);
        Assert.Equal(expected, q.Step.Grad![0], 5);
    }

    [Fact]
    public void PreAddConvsGetSignedAPlusFourBitOutputsAndTheAddSumsTheirDequantizedValues()
    {
        var q = Tiny();
        var convs = q.Nodes.Where(n => n.Module is QuantConv2d).ToDictionary(n => n.Node.Name, n => (QuantConv2d)n.Module);
        Assert.Equal(new[] { "s1b1_conv2", "s2b1_conv2", "s2b1_down" }, convs.Where(c => c.Value.OutputQuantizer is not null).Select(c => c.Key).Order());
        Assert.All(convs.Values.Where(c => c.OutputQuantizer is not null), c => Assert.True(c.OutputQuantizer!.Signed && c.OutputQuantizer.Bits == 8 && !c.Relu));
        Assert.All(convs.Values.Where(c => c.OutputQuantizer is null), c => Assert.True(c.Relu));

        var rng = new Random(7);
        var x = new Tensor([2, 1, 8, 8], Enumerable.Range(0, 128).Select(_ => rng.Next(256) / 255f).ToArray());
        using var ng = Tensor.NoGrad();
        var outs = q.ForwardStages(x).ToDictionary(s => s.Name, s => s.Output.Data.Take(s.Output.Numel).ToArray());
        float Step(string n) => (float)q.EdgeSteps()[q.Nodes.Select(p => p.Node.Name).ToList().IndexOf(n)]!.Value;
        foreach (var (main, shortcut, add, relu) in new[] { ("s1b1_conv2", "stem_relu", "s1b1_add", "s1b1_relu2"), ("s2b1_conv2", "s2b1_down", "s2b1_add", "s2b1_relu2") })
        {
            // The pre-add edge: k * step with -128 <= k <= 127.
            foreach (var v in outs[main])
            {
                double k = v / Step(main);
                Assert.True(Math.Abs(k - Math.Round(k)) < 1e-3 && k >= -128 && k <= 127, $"{main}: {v} is not on the S(8) grid of step {Step(main)}");
            }
            // §9 in fake-quant: the add is the float sum of the two dequantized operands; its ReLU quantizer then
            // gives clamp(floor(sum / s + 1/2), 0, 15) * s.
            float s = Step(relu);
            Assert.Equal(s, Step(add));
            for (int i = 0; i < outs[add].Length; i++)
            {
                Assert.Equal(outs[main][i] + outs[shortcut][i], outs[add][i]);
                Assert.Equal(Math.Clamp(MathF.Floor(outs[add][i] / s + 0.5f), 0, 15) * s, outs[relu][i]);
            }
        }
    }

    private static string Row(NodeSource n) => n switch
    {
        ConvSource c => $"conv {c.Name} [{string.Join(",", c.Inputs)}] {c.Input.Text} k{c.K}s{c.Stride}p{c.Pad} {c.Window.OutputType} relu={c.Window.Relu}",
        AddSource a => $"add {a.Name} [{string.Join(",", a.Inputs)}] {a.Input.Text} {a.OutputType} relu={a.Relu}",
        AvgPoolSource p => $"avgpool {p.Name} [{string.Join(",", p.Inputs)}] {p.Input.Text} {p.KH}x{p.KW} {p.OutputType}",
        DenseSource d => $"dense {d.Name} [{string.Join(",", d.Inputs)}] {d.In} {d.OutputType} relu={d.Relu}",
        _ => n.GetType().Name,
    };

    [Fact]
    public void FakeQuantSourceEmitsResNet8AsTheFreezerExpects()
    {
        // The records the freezer reads for resnet8 (the interface with the back end): the ReLUs fused into their
        // convs and adds, whose names stand for them; named inputs only where a node does not read the one before.
        var src = FakeQuantSource.From(Quantized(ModelSpec.Parse("resnet8", new Shape(1, 28, 28)), "post:4"), "resnet8", 0.01);
        Assert.Equal(new[]
        {
            "conv stem [] 1x28x28 k3s1p1 u4 relu=True",
            "conv s1b1_conv1 [] 16x28x28 k3s1p1 u4 relu=True",
            "conv s1b1_conv2 [] 16x28x28 k3s1p1 s8 relu=False",
            "add s1b1_add [s1b1_conv2,stem] 16x28x28 u4 relu=True",
            "conv s2b1_conv1 [] 16x28x28 k3s2p1 u4 relu=True",
            "conv s2b1_conv2 [] 32x14x14 k3s1p1 s8 relu=False",
            "conv s2b1_down [s1b1_add] 16x28x28 k1s2p0 s8 relu=False",
            "add s2b1_add [s2b1_conv2,s2b1_down] 32x14x14 u4 relu=True",
            "conv s3b1_conv1 [] 32x14x14 k3s2p1 u4 relu=True",
            "conv s3b1_conv2 [] 64x7x7 k3s1p1 s8 relu=False",
            "conv s3b1_down [s2b1_add] 32x14x14 k1s2p0 s8 relu=False",
            "add s3b1_add [s3b1_conv2,s3b1_down] 64x7x7 u4 relu=True",
            "avgpool gap [] 64x7x7 7x7 u4",
            "dense fc [] 64 s16 relu=False",
        }, src.Nodes.Select(Row));
    }

    [Fact]
    public void FakeQuantSourceEmitsTheResidualGraphWithNamedInputs()
    {
        var q = Tiny("post:4");
        var src = FakeQuantSource.From(q, "tiny", 0.01);
        var steps = q.EdgeSteps();
        double Step(string n) => steps[q.Nodes.Select(p => p.Node.Name).ToList().IndexOf(n)]!.Value;
        Assert.Equal(new[]
        {
            "conv stem [] 1x8x8 k3s1p1 u4 relu=True",
            "conv s1b1_conv1 [] 4x8x8 k3s1p1 u4 relu=True",
            "conv s1b1_conv2 [] 4x8x8 k3s1p1 s8 relu=False",
            "add s1b1_add [s1b1_conv2,stem] 4x8x8 u4 relu=True",
            "conv s2b1_conv1 [] 4x8x8 k3s2p1 u4 relu=True",
            "conv s2b1_conv2 [] 8x4x4 k3s1p1 s8 relu=False",
            "conv s2b1_down [s1b1_add] 4x8x8 k1s2p0 s8 relu=False",
            "add s2b1_add [s2b1_conv2,s2b1_down] 8x4x4 u4 relu=True",
            "avgpool gap [] 8x4x4 4x4 u4",
            "dense fc [] 8 s16 relu=False",
        }, src.Nodes.Select(Row));
        var byName = src.Nodes.ToDictionary(n => n.Name);
        // Steps: a conv reads its input's step; the pre-add conv's output step is its own quantizer's; the add's is its ReLU's.
        Assert.Equal(Step("s1b1_relu2"), ((ConvSource)byName["s2b1_down"]).Window.InputStep);
        Assert.Equal(Step("s2b1_down"), ((ConvSource)byName["s2b1_down"]).Window.OutputStep);
        Assert.Equal(Step("s2b1_relu2"), ((AddSource)byName["s2b1_add"]).OutputStep);
        Assert.Equal(Step("stem_relu"), ((ConvSource)byName["s1b1_conv1"]).Window.InputStep);
    }

    [Theory]
    [InlineData("""{"name": "a", "op": "add", "inputs": ["c2", "r1"]}, {"name": "g", "op": "gap"}, {"name": "fc", "op": "dense", "out": 3}]}""", "node a: an add must be read by one relu only")]
    [InlineData("""{"name": "a", "op": "add", "inputs": ["c2", "r1"]}, {"name": "r2", "op": "relu"}, {"name": "c3", "op": "conv", "out": 4, "k": 3, "pad": 1, "inputs": ["c2"]}, {"name": "q3", "op": "relu"}, {"name": "a2", "op": "add", "inputs": ["r2", "q3"]}, {"name": "r3", "op": "relu"}, {"name": "g", "op": "gap"}, {"name": "fc", "op": "dense", "out": 3}]}""", "node c2: a hidden conv must be followed by relu as its only reader")]
    public void UnsupportedResidualOrdersAreRejectedNamingTheNode(string tail, string message)
    {
        var head = """{"nodes": [{"name": "c1", "op": "conv", "out": 4, "k": 3, "pad": 1}, {"name": "r1", "op": "relu"}, {"name": "c2", "op": "conv", "out": 4, "k": 3, "pad": 1}, """;
        var spec = ModelSpec.Parse(head + tail, new Shape(1, 4, 4));
        var e = Assert.Throws<ArgumentException>(() => new QuantGraph(new LayerGraph(spec, new Random(1)), WeightSpec.Parse("uniform:4"), ActivationSpec.Parse("uniform:4")));
        Assert.Contains(message, e.Message);
    }
}
