using QuantHdl.Models;

namespace QuantHdl.Tests.Models;

public class ModelSpecTests
{
    private static readonly Shape Mnist = new(1, 28, 28);

    [Fact]
    public void LeNet5HasTheTextbookShapes()
    {
        // Worked by hand: 28-5+1 = 24, /2 = 12, 12-5+1 = 8, /2 = 4; 16*4*4 = 256 features into fc120.
        var m = ModelSpec.Parse("lenet5", Mnist);
        Assert.Equal(
            ["conv1:6x24x24", "relu1:6x24x24", "pool1:6x12x12", "conv2:16x8x8", "relu2:16x8x8", "pool2:16x4x4", "fc1:120", "relu3:120", "fc2:84", "relu4:84", "fc3:10"],
            m.Nodes.Select(n => $"{n.Name}:{n.OutShape}"));
        Assert.Equal(10, m.Classes);
        Assert.False(m.IsMlp);
        Assert.Equal(["conv1"], m.Nodes[1].Inputs);
        Assert.Empty(m.Nodes[0].Inputs);
    }

    [Fact]
    public void LeNet5IsTheSameGraphAsItsCnnSpelling()
    {
        var a = ModelSpec.Parse("lenet5", Mnist);
        var b = ModelSpec.Parse("cnn:c6k5-relu-mp2-c16k5-relu-mp2-fc120-relu-fc84-relu-fc10", Mnist);
        Assert.Equal(a.Nodes.Select(n => (n.Name, n.Layer, n.OutShape)), b.Nodes.Select(n => (n.Name, n.Layer, n.OutShape)));
    }

    [Fact]
    public void StridePaddingAndGroupsFollowTheWindowFormula()
    {
        // floor((28 + 2*1 - 3) / 2) + 1 = 14; the depthwise conv keeps 14 with padding 1; ap2 halves to 7.
        var m = ModelSpec.Parse("cnn:c16k3s2p1-bn-relu-c16k3p1g16-relu-ap2-gap-fc10", Mnist);
        Assert.Equal(new ConvSpec(16, 3, 2, 1, 1), m.Nodes[0].Layer);
        Assert.Equal(new Shape(16, 14, 14), m.Nodes[0].OutShape);
        Assert.Equal(new ConvSpec(16, 3, 1, 1, 16), m.Nodes[3].Layer);
        Assert.Equal(new Shape(16, 14, 14), m.Nodes[3].OutShape);
        Assert.Equal(new Shape(16, 7, 7), m.Nodes[5].OutShape);
        Assert.Equal(Shape.Flat(16), m.Nodes[6].OutShape);
        Assert.Equal("bn1", m.Nodes[1].Name);
        Assert.Equal("gap1", m.Nodes[6].Name);
        Assert.Equal("c16k3s2p1", m.Nodes[0].Layer.Token);
        Assert.Equal("c16k3p1g16", m.Nodes[3].Layer.Token);
    }

    [Fact]
    public void AnMlpSpecIsDenseAndReluNodes()
    {
        var m = ModelSpec.Parse("mlp:784-64-32-10", Mnist);
        Assert.True(m.IsMlp);
        Assert.Equal(["fc1:64", "relu1:64", "fc2:32", "relu2:32", "fc3:10"], m.Nodes.Select(n => $"{n.Name}:{n.OutShape}"));
    }

    [Theory]
    [InlineData("cnn:c6k5-x3-fc10", "token 'x3' is unknown")]
    [InlineData("cnn:c6k5-relu-mp2-c16k13-fc10", "kernel 13x13 is larger than its 12x12 input")]
    [InlineData("cnn:c6k3-c16k3g4-fc10", "6 input channels are not divisible by 4 groups")]
    [InlineData("cnn:c8k3-c6k3g4-fc10", "6 output channels are not divisible by 4 groups")]
    [InlineData("cnn:relu-bn-fc10", "'bn' at position 2 must follow a conv")]
    [InlineData("cnn:c6k5-relu", "must end with a dense logit layer fcN, not 'relu'")]
    [InlineData("cnn:c6k3p3-fc10", "token 'c6k3p3' has padding 3")]
    [InlineData("cnn:c6k3s4-fc10", "token 'c6k3s4' has stride 4")]
    [InlineData("cnn:c0k3-fc10", "has 0 output channels")]
    [InlineData("cnn:fc10-mp2-fc10", "pooling needs a spatial input")]
    [InlineData("cnn:c6k5-mp2-mp2-mp2-mp4-fc10", "window 4x4 is larger than its 3x3 input")]
    [InlineData("cnn:mp32-fc10", "token 'mp32' has window 32")]
    [InlineData("cnn:fc99999999999-fc10", "has a number '99999999999' that is too large")]
    [InlineData("cnn:", "has no layers")]
    [InlineData("resnet99", "model spec 'resnet99' is unknown")]
    [InlineData("mlp:100-10", "takes 100 inputs but the samples have 784")]
    [InlineData("mlp:784-0-10", "layer size '0'")]
    public void BadSpecsAreRejectedNamingTheProblem(string spec, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => ModelSpec.Parse(spec, Mnist));
        Assert.Contains(expected, e.Message);
    }
}
