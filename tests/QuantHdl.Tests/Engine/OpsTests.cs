using QuantHdl.Engine.Tensors;
using Xunit;

namespace QuantHdl.Tests.Engine;

public class OpsTests
{
    [Fact]
    public void CrossEntropyMatchesFormula()
    {
        var logits = Tensor.FromArray(new[] { 1f, 2f, 3f, 0.5f, -1f, 4f }, 2, 3);
        var loss = Ops.CrossEntropy(logits, new[] { 2, 0 }).Item();
        double l0 = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)) - 3;
        double l1 = Math.Log(Math.Exp(0.5) + Math.Exp(-1) + Math.Exp(4)) - 0.5;
        Assert.Equal((l0 + l1) / 2, loss, 5);
    }

    [Fact]
    public void CrossEntropyIsStableForHugeLogits()
    {
        var logits = Tensor.FromArray(new[] { 1000f, 0f, -1000f, 50f, 50f, -1e30f }, 2, 3);
        logits.RequiresGrad = true;
        var loss = Ops.CrossEntropy(logits, new[] { 1, 0 });
        loss.Backward();
        Assert.Equal((1000 + Math.Log(2)) / 2, loss.Item(), 3);
        Assert.All(logits.Grad!, g => Assert.True(float.IsFinite(g)));
    }

    [Fact]
    public void CrossEntropyRejectsBadLabel()
    {
        var ex = Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(Tensor.Zeros(2, 3), new[] { 0, 3 }));
        Assert.Contains("label 3", ex.Message);
    }

    [Fact]
    public void SoftmaxRowsSumToOneAndLogSoftmaxMatches()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f, 100f, 100f, -100f }, 2, 3);
        var s = Ops.Softmax(x);
        var ls = Ops.LogSoftmax(x);
        Assert.Equal(1f, s.Data[0] + s.Data[1] + s.Data[2], 5);
        Assert.Equal(0.5f, s.Data[3], 5);
        for (int i = 0; i < 5; i++) Assert.Equal(Math.Log(s.Data[i]), ls.Data[i], 4);
        Assert.Equal(-200f - MathF.Log(2f), ls.Data[5], 3); // softmax underflows to 0 here, log-softmax must not
    }

    [Fact]
    public void ArgMaxTakesFirstOnTies()
    {
        var x = Tensor.FromArray(new[] { 1f, 3f, 3f, -1f, -2f, -0.5f }, 2, 3);
        Assert.Equal(new[] { 1, 2 }, Ops.ArgMax(x));
    }

    [Fact]
    public void ShapeErrorsQuoteTheShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Ops.Add(Tensor.Zeros(2, 3), Tensor.Zeros(3, 2)));
        Assert.Contains("[2, 3]", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Ops.Linear(Tensor.Zeros(2, 3), Tensor.Zeros(4, 5)));
        Assert.Contains("in = 3", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).Reshape(4, -1));
        Assert.Contains("cannot reshape 6", ex.Message);
    }

    [Fact]
    public void ReshapeInfersAndShares()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3);
        var y = x.Reshape(-1);
        Assert.Equal(new[] { 6 }, y.Shape);
        Assert.Same(x.Data, y.Data);
        Assert.Equal(new[] { 2, 3 }, Tensor.Zeros(2, 3, 1).Flatten().Shape);
    }

    [Fact]
    public void FactoriesValidate()
    {
        Assert.Throws<ArgumentException>(() => new Tensor(new[] { 2, 2 }, new float[3]));
        Assert.Equal(2.5f, Tensor.Scalar(2.5f).Item());
        Assert.Equal(12, Tensor.Empty(3, 4).Data.Length);
        Assert.Equal(4, Tensor.Zeros(2, 3, 4).Dim(-1));
    }
}
