using QuantHdl.Compiler.Ir;
using QuantHdl.Quantization;
using QuantHdl.Engine.Tensors;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Quant;

/// <summary>Forward values and STE/LSQ gradients, worked out by hand (algorithms.md).</summary>
public class QuantizerGradientTests
{
    private static (float[] Y, float[] Dw, float DScale) Run(WeightQuantizer q, float[] w, float scale)
    {
        q.Scale.Data[0] = scale;
        var wt = new Tensor([1, w.Length], (float[])w.Clone(), requiresGrad: true);
        var y = q.Forward(wt);
        var yData = (float[])y.Data.Clone();
        Ops.Sum(y).Backward();
        return (yData, wt.Grad!, q.Scale.Grad![0]);
    }

    [Fact]
    public void LsqWeightsClampRoundAndScaleTheStepGradient()
    {
        var (y, dw, ds) = Run(new LsqWeightQuantizer(new WeightSpec(WeightCode.Uniform, 4), 1), [0.3f, -1.2f, 5.0f], 0.5f);
        Assert.Equal([0.5f, -1.0f, 3.5f], y);            // round(0.6)=1, round(-2.4)=-2, clamp(10)=7
        Assert.Equal([1f, 1f, 0f], dw);                  // STE inside, zero when clamped
        float expected = (float)((1 - 0.6) + (-2 + 2.4) + 7) / MathF.Sqrt(3 * 7);
        Assert.Equal(expected, ds, 5);
    }

    [Fact]
    public void PostWeightsSnapToSqrtTwoLevels()
    {
        var (y, dw, da) = Run(new PowerWeightQuantizer(new WeightSpec(WeightCode.Post, 4), 1), [0.9f, -0.3f, 2.0f], 1f);
        Assert.Equal(1f, y[0]);
        Assert.Equal(-0.25f, y[1]);                       // |-0.3| is nearer 0.25 than 0.3536
        Assert.Equal(1f, y[2]);                           // clamped to alpha
        Assert.Equal([1f, 1f, 0f], dw);
        float expected = (float)((1 - 0.9) + (-0.25 + 0.3) + 1) / MathF.Sqrt(3);
        Assert.Equal(expected, da, 5);
    }

    [Fact]
    public void PotWeightsSnapToPowersOfTwo()
    {
        var (y, _, _) = Run(new PowerWeightQuantizer(new WeightSpec(WeightCode.Pot, 4), 1), [0.9f, -0.3f, 0.004f], 2f);
        Assert.Equal([2f * 0.5f, -2f * 0.125f, 0f], y);  // 0.45 -> 0.5, -0.15 -> -0.125, 0.002 -> 0
    }

    [Fact]
    public void LsqActivationsAreUnsignedWithTheStepGradient()
    {
        var q = new LsqActivationQuantizer(4);
        q.Step.Data[0] = 0.1f;
        var x = new Tensor([1, 3], [0f, 0.26f, 10f], requiresGrad: true);
        var y = q.Forward(x);
        Assert.Equal(0f, y.Data[0]);
        Assert.Equal(0.3f, y.Data[1], 6);
        Assert.Equal(1.5f, y.Data[2], 6);
        Ops.Sum(y).Backward();
        Assert.Equal([1f, 1f, 0f], x.Grad!);
        Assert.Equal((float)((3 - 2.6) + 15) / MathF.Sqrt(3 * 15), q.Step.Grad![0], 4);
    }

    [Fact]
    public void ActivationStepInitialisesFromTheFirstBatch()
    {
        var q = new LsqActivationQuantizer(4);
        q.Forward(new Tensor([1, 4], [1f, 2f, 3f, 2f]));
        Assert.Equal(2f * 2f / MathF.Sqrt(15), q.Step.Data[0], 5); // 2*mean|x|/sqrt(p)
        var fresh = new LsqActivationQuantizer(4);
        fresh.Eval();
        Assert.Throws<InvalidOperationException>(() => fresh.Forward(new Tensor([1, 1], [1f])));
    }

    [Fact]
    public void PostAlphaStartsAtThe99thPercentile()
    {
        var q = new PowerWeightQuantizer(new WeightSpec(WeightCode.Post, 4), 1);
        var w = Enumerable.Range(1, 101).Select(i => (float)i).ToArray(); // |w| = 1..101
        q.Initialize(new Tensor([1, 101], w));
        Assert.Equal(100f, q.Scale.Data[0], 4); // 0.99 * 100 = index 99 -> value 100
    }
}

/// <summary>The fake-quant bias is exactly the integer bias the freezer writes, times its unit.</summary>
public class BiasQuantizationTests
{
    [Theory]
    [InlineData("uniform:4")]
    [InlineData("post:4")]
    [InlineData("pot:3")]
    public void FakeQuantBiasEqualsTheFrozenIntegerBias(string weights)
    {
        var model = new QuantGraph(TestModels.MlpGraph("mlp:4-3", 5), WeightSpec.Parse(weights), ActivationSpec.Parse("uniform:4"));
        var y = model.Forward(Tensor.Zeros(1, 4));
        var frozen = QuantHdl.Compiler.Freeze.Freezer.Freeze(QuantHdl.Compiler.Freeze.FakeQuantSource.From(model, "t", 1.0 / 1024));
        var d = (DenseOp)frozen.Nodes[1].Op;
        for (int c = 0; c < 3; c++)
        {
            double unit = TestModels.DenseLayers(model)[0].Quantizer.Scale.Data[c] / 255.0 * Math.Pow(2, -WeightArithmetic.UnitShift(d.Weight, d.SqrtFracBits));
            Assert.Equal((float)(d.Bias[c] * unit), y.Data[c]);
        }
    }
}
