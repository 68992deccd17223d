using QuantHdl.Compiler.Freeze;
using QuantHdl.Golden;
using QuantHdl.Golden.Kernels;
using QuantHdl.Compiler.Ir;
using QuantHdl.Compiler.Passes;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Golden;

public class GoldenSimulatorTests
{
    public static TheoryData<string> Specs => new() { "post:4", "pot:4", "uniform:8", "uniform:4", "post:3" };

    [Theory]
    [MemberData(nameof(Specs))]
    public void AccumulatorsMatchTheRealValuedProductsOfTheCodes(string specText)
    {
        // A reference from a different theory: real arithmetic on the decoded weights, divided by the accumulator unit.
        var spec = WeightSpec.Parse(specText);
        var src = TestModels.RandomMlp(1, spec, 4, 32, 12, 10);
        var g = Freezer.Freeze(src);
        var node = g.Nodes[1];
        var d = (DenseOp)node.Op;
        var kernel = new DenseKernel(node, g.Nodes[0].OutType);
        foreach (var x in TestModels.RandomInputs(2, 20, 32))
        {
            var acc = kernel.Accumulate(x, 0);
            for (int c = 0; c < d.Out; c++)
            {
                double real = d.Bias[c];
                for (int i = 0; i < d.In; i++)
                    real += WeightArithmetic.CodeValue(d.Weights[c * d.In + i], spec) * x[i] * Math.Pow(2, WeightArithmetic.UnitShift(spec, d.SqrtFracBits));
                // Only the x/sqrt2 table rounds: at most 1/2 per odd-exponent term, scaled by its shift.
                double slack = spec.Code == WeightCode.Post ? d.In * 0.5 * (1 << (spec.MaxExponent / 2)) : 0;
                Assert.InRange(acc[c] - real, -slack - 1e-6, slack + 1e-6);
            }
        }
    }

    // The bound reached by a constructed worst case, biases included: WorstCaseTests.

    [Fact]
    public void TooNarrowAccumulatorIsRejectedNamingTheLayer()
    {
        var g = Freezer.Freeze(TestModels.RandomMlp(4, new WeightSpec(WeightCode.Uniform, 8), 8, 64, 8));
        var d = (DenseOp)g.Nodes[1].Op;
        var bad = g with { Nodes = [g.Nodes[0], g.Nodes[1] with { Op = d with { AccBits = d.AccBits - 1 } }] };
        var e = Assert.Throws<IrException>(() => new GoldenSimulator(bad));
        Assert.Contains("fc1", e.Message);
        Assert.Contains("accumulator", e.Message);
    }

    [Fact]
    public void ShiftsBeyondTheProductWidthGiveZeroWithoutAnOverflow()
    {
        var g = Freezer.Freeze(TestModels.RandomMlp(8, new WeightSpec(WeightCode.Post, 4), 4, 16, 6));
        var d = (DenseOp)g.Nodes[1].Op;
        int p = RequantMath.ProductBits(d.AccBits, d.Rq.MultiplierBits);
        Assert.True(p < 62, "the test needs k >= P to be representable");
        var rq = d.Rq with { M0 = Enumerable.Repeat((1L << d.Rq.MultiplierBits) - 1, d.Out).ToArray(), Shift = Enumerable.Repeat(62, d.Out).ToArray() };
        var node = g.Nodes[1] with { Op = d with { Rq = rq } };
        var y = new DenseKernel(node, IntType.U(8)).Run(Enumerable.Repeat(255L, 16).ToArray(), 0);
        Assert.All(y, v => Assert.Equal(0, v));
    }

    [Fact]
    public void OutOfRangeInputThrowsOverflow()
    {
        var g = Freezer.Freeze(TestModels.RandomMlp(5, new WeightSpec(WeightCode.Post, 4), 4, 8, 4));
        var input = new long[8];
        input[3] = 256;
        var e = Assert.Throws<IntegerOverflowException>(() => GoldenSimulator.Run(g, input));
        Assert.Contains("256", e.Message);
    }

    [Fact]
    public void HiddenOutputsAreClampedToTheActivationRange()
    {
        var g = PassPipeline.Run(Freezer.Freeze(TestModels.RandomMlp(6, new WeightSpec(WeightCode.Post, 4), 4, 64, 32, 10)), PassPipeline.Default());
        var sim = new GoldenSimulator(g);
        foreach (var x in TestModels.RandomInputs(7, 30, 64))
        {
            var outs = sim.Run(x, 0);
            Assert.All(outs[1], v => Assert.InRange(v, 0, 15));
            Assert.All(outs[2], v => Assert.InRange(v, -32768, 32767));
        }
    }
}
