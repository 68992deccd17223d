using QuantHdl.Golden;
using QuantHdl.Golden.Kernels;
using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Freeze;

namespace QuantHdl.Tests.Ir;

/// <summary>Hand-listed edge cases of the Ir/ and Golden/ API: argument checks, messages and boundaries (found by mutation testing).</summary>
public class EdgeCaseTests
{
    private static readonly IrGraph Tiny = Freezer.Freeze(TestModels.RandomMlp(9, new WeightSpec(WeightCode.Pot, 4), 4, 4, 3));

    [Fact]
    public void TheSimulatorNamesAWrongInputLengthAndAnOutOfRangeValue()
    {
        var e = Assert.Throws<ArgumentException>(() => GoldenSimulator.Run(Tiny, new long[5]));
        Assert.Equal("input has 5 elements, the graph's input 'input' expects 4", e.Message);
        var o = Assert.Throws<IntegerOverflowException>(() => new GoldenSimulator(Tiny).Run([0, 256, 0, 0], 7));
        Assert.Equal("input input, sample 7: value 256 does not fit u8", o.Message);
        var k = Assert.Throws<ArgumentException>(() => new DenseKernel(Tiny.Nodes[1], IntType.U(8)).Accumulate(new long[3], 0));
        Assert.Equal("layer fc1: got 3 inputs, expects 4", k.Message);
    }

    [Fact]
    public void ArgMaxTakesTheLowestIndexOfATie()
    {
        Assert.Equal(0, GoldenSimulator.ArgMax([5]));
        Assert.Equal(1, GoldenSimulator.ArgMax([1, 7, 7, 3]));
        Assert.Equal(3, GoldenSimulator.ArgMax([-4, -3, -2, 9]));
        Assert.Equal(0, GoldenSimulator.ArgMax([2, 2, 2]));
        Assert.Equal(2, GoldenSimulator.ArgMax([-9, -9, -1, -5]));
    }

    [Fact]
    public void GraphLookupsAndJsonNameWhatIsMissing()
    {
        Assert.Same(Tiny.Nodes[1], Tiny.Node("fc1"));
        var e = Assert.Throws<IrException>(() => Tiny.Node("fc9"));
        Assert.Equal("no node named 'fc9' in graph 'test_mlp'", e.Message);
        var j = Assert.Throws<IrException>(() => IrJson.Deserialize("null", "x.json"));
        Assert.Equal("x.json is empty", j.Message);
        var dir = Path.Combine(Path.GetTempPath(), "quanthdl-edge-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var path = Path.Combine(dir, "ir.json");
            Assert.Throws<IrException>(() => IrJson.Save(Tiny with { Version = 3 }, path));
            Assert.False(File.Exists(path));
            IrJson.Save(Tiny, path);
            Assert.Equal(IrJson.Serialize(Tiny), File.ReadAllText(path));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void SmallArgumentChecksNameTheValue()
    {
        Assert.Equal("4x2", new Folding(4, 2).ToString());
        Assert.Equal("s12", IntType.S(12).ToString());
        Assert.Equal("u3", IntType.U(3).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => IntType.SignedWidthFor(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightArithmetic.SqrtHalf(-1, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightArithmetic.SqrtHalf(3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightArithmetic.SqrtHalf(3, 25));
        Assert.Equal(WeightArithmetic.SqrtHalf(3, 24), WeightArithmetic.SqrtHalfTable(2, 24)[3]);
        foreach (double m in new[] { double.NaN, -1e-9, double.PositiveInfinity })
        {
            var e = Assert.Throws<ArithmeticLimitException>(() => RequantMath.Choose(m, 16, "fc4"));
            Assert.Equal($"layer fc4: requantization multiplier {m} is not a finite non-negative number", e.Message);
        }
        var o = Assert.Throws<OverflowException>(() => WeightArithmetic.Term(62, 1, new WeightSpec(WeightCode.Pot, 8), 8, null));
        Assert.Equal("term 1 << 65 does not fit 63 bits", o.Message);
        Assert.Equal(0, WeightArithmetic.Term(62, 0, new WeightSpec(WeightCode.Pot, 8), 8, null));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(16)]
    public void UniformCodesStopExactlyAtTheirRange(int bits)
    {
        var w = new WeightSpec(WeightCode.Uniform, bits);
        int half = 1 << (bits - 1);
        Assert.True(WeightArithmetic.IsValidCode(-half, w));
        Assert.True(WeightArithmetic.IsValidCode(half - 1, w));
        Assert.False(WeightArithmetic.IsValidCode(-half - 1, w));
        Assert.False(WeightArithmetic.IsValidCode(half, w));
    }

    [Fact]
    public void WhenNoWidthOfTheCodeFitsTheWayOutSaysSo()
    {
        // pot:3 terms of 16-bit activations, 2^20 of them, with a 32-bit multiplier: 39 + 32 + 1 > 64; and pot:2
        // (no shift) still needs 37 + 32 + 1 > 64, so no width fits: the answer is one below the fewest bits, 2.
        Assert.Equal(1, DenseCapacity.LargestFittingBits(WeightCode.Pot, 1 << 20, 16, 8, 32));
        var why = DenseCapacity.Refusal(new WeightSpec(WeightCode.Pot, 3), 1 << 20, 16, 8, 32);
        Assert.Equal("pot:3 weights on 1048576 inputs of 16-bit activations can need a 39-bit accumulator, and its requant product 72 bits " +
                     "(39 + 32 multiplier bits + 1), max is 64; use fewer activation bits or fewer inputs", why);
        Assert.Equal(6, DenseCapacity.LargestFittingBits(WeightCode.Pot, 1, 1, 1, 1));
        Assert.Equal(16, DenseCapacity.LargestFittingBits(WeightCode.Uniform, 1, 1, 1, 1));
    }
}
