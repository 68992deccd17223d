using QuantHdl.Compiler.Freeze;
using QuantHdl.Compiler.Ir;
using QuantHdl.Compiler.Passes;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Ir;

public class PassTests
{
    [Fact]
    public void FoldingBalancesLayersUnderTheBudget()
    {
        var g = PassPipeline.Run(Freezer.Freeze(TestModels.RandomMlp(1, new WeightSpec(WeightCode.Post, 4), 4, 784, 64, 32, 10)), PassPipeline.Default(64));
        var dense = g.Nodes.Where(n => n.Op is DenseOp).Select(n => (DenseOp)n.Op).ToArray();
        long Cycles(DenseOp d) => (long)(d.In / d.Fold.Simd) * (d.Out / d.Fold.Pe);
        long first = Cycles(dense[0]);
        Assert.Equal(784L * 64 / 64, first);
        Assert.All(dense, d => Assert.True(d.Fold.Simd * d.Fold.Pe <= 64));
        Assert.All(dense, d => Assert.True(Cycles(d) <= first, $"{d.In}x{d.Out} at {d.Fold} is slower than the first layer"));
        Assert.True(dense[2].Fold.Simd * dense[2].Fold.Pe < 64, "small layers should not take the full budget");
        Assert.Equal(dense[0].Fold.Simd, g.Nodes[0].OutLanes);
    }

    [Fact]
    public void OverridesWinAndBadOverridesNameTheLayer()
    {
        var src = Freezer.Freeze(TestModels.RandomMlp(1, new WeightSpec(WeightCode.Post, 4), 4, 16, 8, 10));
        var g = PassPipeline.Run(src, PassPipeline.Default(64, new Dictionary<string, Folding> { ["fc1"] = new(4, 2) }));
        Assert.Equal(new Folding(4, 2), ((DenseOp)g.Node("fc1").Op).Fold);
        var e = Assert.Throws<IrException>(() => PassPipeline.Run(src, PassPipeline.Default(64, new Dictionary<string, Folding> { ["fc2"] = new(3, 1) })));
        Assert.Contains("fc2", e.Message);
        var e2 = Assert.Throws<IrException>(() => PassPipeline.Run(src, PassPipeline.Default(64, new Dictionary<string, Folding> { ["nope"] = new(1, 1) })));
        Assert.Contains("nope", e2.Message);
    }

    // The accumulator width against a reference bound: Golden/WorstCaseTests.AFrozenNetworkDeclaresTheReferenceBound.
}
