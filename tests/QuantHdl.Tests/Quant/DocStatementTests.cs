using QuantHdl.Compiler.Ir;
using QuantHdl.Models;
using QuantHdl.Quantization;
using QuantHdl.Engine.Tensors;
using QuantHdl.Tests.Engine;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Quant;

/// <summary>Issue 5 finding 6: each statement of docs/integer-semantics.md §1, §2 and §4 that the code could contradict, checked by hand-listed cases.</summary>
public class DocStatementTests
{
    [Fact]
    public void Section1SignedWidthsGoTo64AndUnsignedTo63()
    {
        Assert.Equal(long.MinValue, IntType.S(64).Min);
        Assert.Equal(long.MaxValue, IntType.S(64).Max);
        Assert.Equal(long.MaxValue, IntType.U(63).Max);
        Assert.Equal(-1, IntType.S(1).Min);
        Assert.Equal(0, IntType.S(1).Max);
        Assert.Equal(1, IntType.U(1).Max);
        var e = Assert.Throws<ArithmeticLimitException>(() => IntType.U(64));
        Assert.Contains("unsigned widths must be 1..63", e.Message);
        Assert.Throws<ArithmeticLimitException>(() => IntType.S(65));
        Assert.Throws<ArithmeticLimitException>(() => IntType.U(0));
    }

    [Fact]
    public void Section2RoundsHalfUpOnBothSigns()
    {
        float[] v = [0.5f, 1.5f, -0.5f, -1.5f, -2.5f, 2.4999998f, -0.50000006f];
        float[] expected = [1, 2, 0, -1, -2, 2, -1];
        for (int i = 0; i < v.Length; i++) Assert.Equal(expected[i], Rounding.HalfUp(v[i]));
        Assert.Equal(-1.0, Rounding.HalfUp(-1.5));
        // Uniform codes use it, then clamp: -2.5 steps is -2, not -3.
        Assert.Equal(-2, UniformCodec.Code(-2.5f, 1f, -8, 7));
        Assert.Equal(3, UniformCodec.Code(2.5f, 1f, -8, 7));
    }

    [Fact]
    public void Section2PowerLevelsTakeTheLargerMagnitudeOnAMidpointForEitherSign()
    {
        // pot:3: J = 2, levels 1, 1/2, 1/4; midpoints 3/4, 3/8, 1/8 (exact in float32).
        var pot = new PowerCodec(new WeightSpec(WeightCode.Pot, 3));
        Assert.Equal(1, pot.Code(0.75f));
        Assert.Equal(4 | 1, pot.Code(-0.75f));          // -1, not -1/2 as half up would give
        Assert.Equal(2, pot.Code(0.375f));
        Assert.Equal(-0.5f, pot.Quantize(-0.375f));
        Assert.Equal(3, pot.Code(0.125f));
        Assert.Equal(4 | 3, pot.Code(-0.125f));
        Assert.Equal(0, pot.Code(0.12499999f));
        Assert.Equal(0, pot.Code(-0.12499999f));
        Assert.Equal(2, pot.Code(0.7499999f));
        // post:3: levels 1, 2^-1/2, 1/2 in float32; the midpoints are their float32 averages.
        var post = new PowerCodec(new WeightSpec(WeightCode.Post, 3));
        float l1 = (float)Math.Pow(2, -0.5);
        float mid = (1f + l1) * 0.5f;
        Assert.Equal(1, post.Code(mid));
        Assert.Equal(4 | 1, post.Code(-mid));
        Assert.Equal(2, post.Code(MathF.BitDecrement(mid)));
        Assert.Equal(4 | 2, post.Code(-MathF.BitDecrement(mid)));
    }

    [Fact]
    public void Section4LogitScaleIsTwiceTheCalibrationMaximumOver32767()
    {
        var ds = TrainingTests.Quadrants(300, 5);
        var model = new QuantGraph(TestModels.MlpGraph("mlp:16-8-4", 2), WeightSpec.Parse("post:4"), new ActivationSpec(4));
        // One training-mode forward sets the activation step, as the first QAT batch does.
        using (Tensor.StepScope()) model.Forward(Tensor.FromArray(ds.Images.Take(16 * 64).Select(b => b / 255f).ToArray(), 64, 16));
        model.Eval();
        float max = 0;
        using (Tensor.StepScope())
        using (Tensor.NoGrad())
        {
            var y = model.Forward(Tensor.FromArray(ds.Images.Select(b => b / 255f).ToArray(), ds.Count, 16));
            for (int i = 0; i < ds.Count * 4; i++) max = Math.Max(max, Math.Abs(y.Data[i]));
        }
        model.Train();
        Assert.True(max > 0);
        Assert.Equal(2.0 * max / 32767, model.CalibrateLogitStep(ds), 15);
    }
}
