using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;
using QuantHdl.Models;
using QuantHdl.Tests.Hdl;

namespace QuantHdl.Tests.Models;

/// <summary>ResNet-8, JSON model graphs and their checks, and the DAG forward pass against a hand-wired one.</summary>
public class ResidualModelTests
{
    private static readonly Shape Fmnist = new(1, 28, 28);

    [Fact]
    public void ResNet8HasTheIssuesLayersAndShapes()
    {
        var spec = ModelSpec.Parse("resnet8", Fmnist);
        var shapes = spec.Nodes.ToDictionary(n => n.Name, n => n.OutShape.Text);
        Assert.Equal("16x28x28", shapes["stem_relu"]);
        Assert.Equal("16x28x28", shapes["s1b1_relu2"]);
        Assert.Equal("32x14x14", shapes["s2b1_relu2"]);
        Assert.Equal("64x7x7", shapes["s3b1_relu2"]);
        Assert.Equal("10x1x1", shapes["fc"]);
        // 1 + 3 blocks x 2 + 2 shortcut convs = 9 convs, each followed by a bn; stage 1 has an identity shortcut.
        Assert.Equal(9, spec.Nodes.Count(n => n.Layer is ConvSpec));
        Assert.Equal(9, spec.Nodes.Count(n => n.Layer is BatchNormSpec));
        Assert.DoesNotContain(spec.Nodes, n => n.Name == "s1b1_down");
        Assert.Equal(new[] { "s1b1_bn2", "stem_relu" }, spec.Nodes.Single(n => n.Name == "s1b1_add").Inputs);
        Assert.Equal(new[] { "s2b1_bn2", "s2b1_down_bn" }, spec.Nodes.Single(n => n.Name == "s2b1_add").Inputs);
        Assert.Equal(new ConvSpec(32, 1, 2, 0), spec.Nodes.Single(n => n.Name == "s2b1_down").Layer);
        Assert.Equal(new ConvSpec(64, 3, 2, 1), spec.Nodes.Single(n => n.Name == "s3b1_conv1").Layer);
        Assert.False(spec.IsChain);
        // Parameters counted by hand: conv C_out*(C_in*K*K + 1), bn 2*C, fc 64*10 + 10.
        long expected = 16 * (9 + 1) + 32
            + 2 * (16 * (16 * 9 + 1) + 32)
            + 32 * (16 * 9 + 1) + 64 + 32 * (32 * 9 + 1) + 64 + 32 * (16 + 1) + 64
            + 64 * (32 * 9 + 1) + 128 + 64 * (64 * 9 + 1) + 128 + 64 * (32 + 1) + 128
            + 650;
        var g = new LayerGraph(spec, new Random(0));
        Assert.Equal(expected, g.Parameters().Sum(p => (long)p.Numel));
    }

    [Fact]
    public void TheExampleJsonIsTwoStagesOfTwoBlocks()
    {
        var text = File.ReadAllText(Path.Combine(RtlEmitterTests.RepoRoot(), "examples", "resnet-2x2.json"));
        var spec = ModelSpec.Parse(text, Fmnist);
        var built = ModelSpec.FromGraph("built", Fmnist, ResNet.Nodes(16, [16, 32], 2, 10));
        Assert.Equal(built.Nodes.Select(n => (n.Name, n.Layer, string.Join(",", n.Inputs), n.OutShape)), spec.Nodes.Select(n => (n.Name, n.Layer, string.Join(",", n.Inputs), n.OutShape)));
        Assert.Equal(4, spec.Nodes.Count(n => n.Layer is AddSpec));
        Assert.Equal("resnet-2x2 (JSON)", ModelSpec.Label(text));
    }

    private const string Head = """{"name": "t", "nodes": [{"name": "c1", "op": "conv", "out": 4, "k": 3, "pad": 1}, {"name": "r1", "op": "relu"}, """;

    [Theory]
    [InlineData("""{"name": "c2", "op": "conv", "out": 4, "k": 3, "pad": 1, "inputs": ["a"]}, {"name": "a", "op": "add", "inputs": ["c2", "r1"]}, {"name": "r2", "op": "relu"}, {"name": "fc", "op": "dense", "out": 3}]}""", "node 'c2' is on a cycle: c2 -> a -> c2")]
    [InlineData("""{"name": "c2", "op": "conv", "out": 4, "k": 3, "pad": 1}, {"name": "a", "op": "add", "inputs": ["c2", "nowhere"]}, {"name": "fc", "op": "dense", "out": 3}]}""", "node 'a' reads 'nowhere', which is no node")]
    [InlineData("""{"name": "c2", "op": "conv", "out": 4, "k": 3, "stride": 2, "pad": 1}, {"name": "a", "op": "add", "inputs": ["c2", "r1"]}, {"name": "fc", "op": "dense", "out": 3}]}""", "add 'a' adds 'c2' of shape 4x3x3 to 'r1' of shape 4x6x6")]
    [InlineData("""{"name": "c2", "op": "conv", "out": 8, "k": 3, "pad": 1}, {"name": "a", "op": "add", "inputs": ["c2", "r1"]}, {"name": "fc", "op": "dense", "out": 3}]}""", "add 'a' adds 'c2' of shape 8x6x6 to 'r1' of shape 4x6x6")]
    [InlineData("""{"name": "x", "op": "softmax"}, {"name": "fc", "op": "dense", "out": 3}]}""", "node 'x': op \"softmax\" is unknown")]
    [InlineData("""{"name": "p", "op": "maxpool", "k": 2, "stride": 2}, {"name": "fc", "op": "dense", "out": 3}]}""", "node 'p': op \"maxpool\" has no field \"stride\"")]
    [InlineData("""{"name": "p", "op": "maxpool", "k": 2.5}, {"name": "fc", "op": "dense", "out": 3}]}""", "node 'p': field \"k\" must be an integer")]
    [InlineData("""{"name": "p", "op": "maxpool"}, {"name": "fc", "op": "dense", "out": 3}]}""", "node 'p': op \"maxpool\" needs field \"k\"")]
    [InlineData("""{"name": "c2", "op": "conv", "out": 4, "k": 3, "pad": 3}, {"name": "fc", "op": "dense", "out": 3}]}""", "node 'c2': \"pad\" is 3; use 0..2")]
    [InlineData("""{"name": "r1", "op": "relu"}, {"name": "fc", "op": "dense", "out": 3}]}""", "node name 'r1' is used twice")]
    [InlineData("""{"name": "c2", "op": "conv", "out": 4, "k": 3, "pad": 1, "inputs": ["r1"]}, {"name": "fc", "op": "dense", "out": 3, "inputs": ["r1"]}]}""", "the output of node 'c2' is read by no node")]
    [InlineData("""{"name": "a", "op": "add"}, {"name": "fc", "op": "dense", "out": 3}]}""", "node 'a' (add) reads 1 inputs; it takes 2")]
    [InlineData("""{"name": "b", "op": "bn"}, {"name": "fc", "op": "dense", "out": 3}]}""", "bn 'b' reads 'r1', which is not a conv")]
    [InlineData("""{"name": "fc", "op": "dense", "out": 3, "bias": 1}]}""", "node 'fc': op \"dense\" has no field \"bias\"")]
    [InlineData("""{"name": "g", "op": "gap"}]}""", "must end with a dense logit layer, not node 'g'")]
    public void BadJsonGraphsAreRefusedNamingTheNode(string tail, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => ModelSpec.Parse(Head + tail, new Shape(1, 6, 6)));
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("""{"nodes": [], "extra": 1}""", "unknown top-level field \"extra\"")]
    [InlineData("""{"nodes": [{"op": "relu"}]}""", "node 1: has no \"name\"")]
    [InlineData("""{"nodes": [{"name": "fc", "op": "dense", "out": 3} """, "not valid JSON")]
    public void MalformedJsonIsRefused(string text, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => ModelSpec.Parse(text, new Shape(1, 6, 6)));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void NodesWrittenOutOfOrderAreSortedTopologically()
    {
        var spec = ModelSpec.Parse("""{"nodes": [{"name": "fc", "op": "dense", "out": 3, "inputs": ["g"]}, {"name": "g", "op": "gap", "inputs": ["input"]}]}""", new Shape(2, 4, 4));
        Assert.Equal(new[] { "g", "fc" }, spec.Nodes.Select(n => n.Name));
        Assert.Empty(spec.Nodes[0].Inputs);
        Assert.Equal(new[] { "g" }, spec.Nodes[1].Inputs);
    }

    [Fact]
    public void GraphForwardEqualsTheBlockWiredByHand()
    {
        var text = """
            {"nodes": [
              {"name": "c1", "op": "conv", "out": 4, "k": 3, "pad": 1}, {"name": "r1", "op": "relu"},
              {"name": "c2", "op": "conv", "out": 4, "k": 3, "pad": 1}, {"name": "r2", "op": "relu"},
              {"name": "c3", "op": "conv", "out": 4, "k": 3, "pad": 1},
              {"name": "a", "op": "add", "inputs": ["c3", "r1"]}, {"name": "r3", "op": "relu"},
              {"name": "g", "op": "gap"}, {"name": "fc", "op": "dense", "out": 3}]}
            """;
        var g = new LayerGraph(ModelSpec.Parse(text, new Shape(2, 5, 5)), new Random(1));
        var m = g.Nodes.ToDictionary(n => n.Node.Name, n => n.Module);
        var rng = new Random(2);
        var x = new Tensor([3, 2, 5, 5], Enumerable.Range(0, 150).Select(_ => (float)rng.NextDouble()).ToArray());
        using var ng = Tensor.NoGrad();
        var h1 = Ops.Relu(m["c1"].Forward(x));
        var h2 = Ops.Relu(m["c2"].Forward(h1));
        var y = Ops.Relu(Ops.Add(m["c3"].Forward(h2), h1));
        var want = m["fc"].Forward(new GlobalAvgPool2d().Forward(y).Flatten());
        var got = g.Forward(x);
        Assert.Equal(want.Data.Take(want.Numel), got.Data.Take(got.Numel));
        Assert.Equal(got.Data.Take(got.Numel), g.ForwardStages(x).Last().Output.Data.Take(got.Numel));
    }

    [Fact]
    public void FoldingAResidualGraphPreservesTheEvalFunction()
    {
        var spec = ModelSpec.FromGraph("tiny", new Shape(1, 8, 8), ResNet.Nodes(4, [4, 8], 1, 3));
        var g = new LayerGraph(spec, new Random(3));
        var rng = new Random(8);
        foreach (var (_, mod) in g.Nodes)
            if (mod is BatchNorm2d bn)
                for (int c = 0; c < bn.NumFeatures; c++)
                {
                    bn.Weight.Data[c] = (float)(0.5 + rng.NextDouble());
                    bn.Bias.Data[c] = (float)(rng.NextDouble() - 0.5);
                    bn.RunningMean.Data[c] = (float)(rng.NextDouble() - 0.5);
                    bn.RunningVar.Data[c] = (float)(0.2 + rng.NextDouble());
                }
        g.Eval();
        var folded = BatchNormFolder.Fold(g);
        Assert.DoesNotContain(folded.Nodes, n => n.Module is BatchNorm2d);
        Assert.Equal(new[] { "s2b1_conv2", "s2b1_down" }, folded.Spec.Nodes.Single(n => n.Name == "s2b1_add").Inputs);
        var x = new Tensor([2, 1, 8, 8], Enumerable.Range(0, 128).Select(_ => (float)rng.NextDouble()).ToArray());
        using var ng = Tensor.NoGrad();
        var a = g.Forward(x);
        var b = folded.Forward(x);
        for (int i = 0; i < a.Numel; i++) Assert.True(Math.Abs(a.Data[i] - b.Data[i]) <= 1e-5 * Math.Max(1, Math.Abs(a.Data[i])), $"logit {i}: {a.Data[i]} vs {b.Data[i]}");
    }
}
