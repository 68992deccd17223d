using QuantHdl.Compiler.Ir;
using QuantHdl.Compiler.Passes;
using QuantHdl.Tests.Verify;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Ir;

public class ConvValidatorTests
{
    private static IrGraph G() => CnnGraphs.Small(WeightSpec.Parse("post:4"), 11);

    private static IrGraph Replace(IrGraph g, string name, Func<IrNode, IrNode> f) =>
        g with { Nodes = g.Nodes.Select(n => n.Name == name ? f(n) : n).ToArray() };

    [Fact]
    public void AWeightOutsideItsGroupIsRejected()
    {
        var g = G();
        var bad = Replace(g, "conv2", n =>
        {
            var c = (ConvOp)n.Op;
            var w = (int[])c.Mvu.Weights.Clone();
            w[2] = 1; // output 0 (group 0: channels 0, 1) on input channel 2 (group 1)
            return n with { Op = c with { Mvu = c.Mvu with { Weights = w } } };
        });
        var e = Assert.Throws<IrException>(() => IrValidator.Check(bad));
        Assert.Contains("layer conv2: weight [0,2] couples channel 2 outside the group of output 0", e.Message);
    }

    [Fact]
    public void AFrameThatDisagreesWithTheProducerIsRejected()
    {
        var bad = Replace(G(), "conv2", n => n with { Op = ((ConvOp)n.Op) with { InH = 8 } });
        var e = Assert.Throws<IrException>(() => IrValidator.Check(bad));
        Assert.Contains("layer conv2: expects a 8x4x4 frame but 'pool1' produces 4x4x4", e.Message);
    }

    [Fact]
    public void SimdMustDivideTheInputChannels()
    {
        var bad = Replace(G(), "conv1", n => n with { Op = ((ConvOp)n.Op) with { Mvu = ((ConvOp)n.Op).Mvu with { Fold = new Folding(6, 2) } } });
        var e = Assert.Throws<IrException>(() => IrValidator.Check(bad));
        Assert.Contains("SIMD 6 must divide the 2 input channels", e.Message);
    }

    [Fact]
    public void AMaxPoolMustKeepItsInputType()
    {
        var bad = Replace(G(), "pool1", n => n with { OutType = IntType.U(5) });
        var e = Assert.Throws<IrException>(() => IrValidator.Check(bad));
        Assert.Contains("layer pool1: a max pool keeps the codes", e.Message);
    }

    [Fact]
    public void AnAveragePoolSumNarrowerThanItsBoundIsRejected()
    {
        // 2x2 window of u4 codes: the sum reaches 4 * 15 = 60, which needs 6 bits.
        var bad = Replace(G(), "gap1", n => n with { Op = ((AvgPoolOp)n.Op) with { SumBits = 5 } });
        var e = Assert.Throws<IrException>(() => IrValidator.Check(bad));
        Assert.Contains("the window sum needs 6 unsigned bits (at most 60)", e.Message);
    }

    [Fact]
    public void FoldingAConvKeepsSimdDividingItsChannelsAndBalancesThePipeline()
    {
        var g = PassPipeline.Run(G() with { }, PassPipeline.Default(8));
        var c1 = (ConvOp)g.Node("conv1").Op;
        var c2 = (ConvOp)g.Node("conv2").Op;
        Assert.Equal(0, 2 % c1.Mvu.Fold.Simd);
        Assert.Equal(0, 4 % c2.Mvu.Fold.Simd);
        Assert.True(c1.Mvu.Fold.Simd * c1.Mvu.Fold.Pe <= 8);
        // conv1 is the slowest layer: 64 pixels x 18/SIMD x 4/PE cycles at the best 8-MAC folding (SIMD 2, PE 4) = 576.
        Assert.Equal(new Folding(2, 4), c1.Mvu.Fold);
        Assert.Equal(c1.Mvu.Fold.Simd, g.Nodes[0].OutLanes);
        Assert.Equal(g.Node("conv1").OutLanes, g.Node("pool1").OutLanes);
        long cycles2 = (long)c2.OutH * c2.OutW * (c2.Mvu.In / c2.Mvu.Fold.Simd) * (c2.Mvu.Out / c2.Mvu.Fold.Pe);
        Assert.True(cycles2 <= 576, $"conv2 takes {cycles2} cycles, slower than conv1");
    }
}
