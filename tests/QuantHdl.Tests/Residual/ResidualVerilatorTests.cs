using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Ir;
using QuantHdl.Compiler.Passes;
using QuantHdl.Tests.Hdl;
using QuantHdl.Tests.Verify;
using QuantHdl.Verification.Verilator;

namespace QuantHdl.Tests.Residual;

/// <summary>
/// A residual block end to end in Verilator (conv -> fork -> conv -> add with the identity shortcut -> pool ->
/// global pool -> dense): bit-exact on every stream under long random stalls at the ports and on every edge, and
/// the computed skip FIFO is tight: one beat shallower, the block deadlocks.
/// </summary>
public class ResidualVerilatorTests
{
    private const int Samples = 10;

    private static IrGraph Sized(string spec) =>
        new SizeSkipFifos().Run(ResidualGraphs.Small(WeightSpec.Parse(spec), RandomLayers.Seed("res-e2e", spec)));

    private static IReadOnlyList<long[]> Inputs(string spec) =>
        RandomLayers.Inputs(new Random(RandomLayers.Seed("res-e2e-inputs", spec)), Samples, 8 * 8 * 2, IntType.U(8));

    [Theory]
    [InlineData("post:4", 0.6, 0.7, 0.9)]
    [InlineData("uniform:4", 0.3, 0.8, 0.95)]
    public void EveryStreamOfAResidualBlockIsBitExactUnderLongStallsEverywhere(string spec, double inStall, double outStall, double inner)
    {
        var g = Sized(spec);
        var dir = HdlTestKit.NewTempDir("res-e2e");
        try
        {
            var r = new VerilatorVerifier(E2eFixture.Cache).EmitAndVerify(g, Inputs(spec), dir,
                new VerifyOptions { InStall = inStall, OutStall = outStall, InnerStall = inner, StallSeed = 11 });
            r.EnsurePassed();
            Assert.Equal(Samples, r.NoStall.BitExact);
            Assert.Equal(Samples, r.Stall!.BitExact);
            // Nothing lost or duplicated: every element of every stream arrived exactly once per frame.
            foreach (var run in new[] { r.NoStall, r.Stall })
                foreach (var node in g.Nodes)
                    Assert.Equal((long)Samples * node.OutSize, run.Layers.Single(l => l.Node == node.Name).ElementsChecked);
            // Every edge stalled, the add's two inputs and both fork branches included.
            Assert.Equal(g.Nodes.Skip(1).Sum(n => n.Inputs.Length), r.Stall.InnerStalls.Count);
            Assert.All(r.Stall.InnerStalls, s => Assert.True(s.Enter > 0));
            // conv2 sets the pace: 8x8 pixels x (36/2) x (4/2) = 2304 cycles per frame, by hand.
            Assert.Equal((2304L, "conv2"), (r.AnalyticIntervalCycles, r.AnalyticBottleneck));
            Assert.InRange(r.IntervalRatio!.Value, 0.9, 1.1);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void TheDeadlockBoundIsTightOneBeatLessDeadlocksAndItselfRunsBitExact()
    {
        const string spec = "uniform:4";
        var g = Sized(spec);
        var fork = g.Node("conv1_fork");
        var op = (ForkOp)fork.Op;
        var skip = op.Branches.Single(b => b.Consumer == "add1");
        Assert.Equal(19, skip.MinDepth); // ResidualIrTests works it by hand
        Assert.True(skip.Tight);
        IrGraph WithDepth(int depth) => g with
        {
            Nodes = g.Nodes.Select(n => n.Name != fork.Name ? n : n with
            {
                Op = op with { Branches = op.Branches.Select(b => b.Consumer != "add1" ? b : b with { Depth = depth }).ToArray() },
            }).ToArray(),
        };
        var dir = HdlTestKit.NewTempDir("res-shallow");
        try
        {
            var verifier = new VerilatorVerifier(E2eFixture.Cache);
            var shallow = verifier.EmitAndVerify(WithDepth(skip.MinDepth - 1), Inputs(spec), Path.Combine(dir, "shallow"),
                new VerifyOptions { RunStalls = false, DeadlockCycles = 5_000 });
            Assert.False(shallow.Passed);
            Assert.Contains("DEADLOCK", shallow.NoStall.Error);
            Assert.Equal(0, shallow.NoStall.BitExact);
            // At the bound itself nothing deadlocks, even under stalls; only the rate suffers.
            var bound = verifier.EmitAndVerify(WithDepth(skip.MinDepth), Inputs(spec), Path.Combine(dir, "bound"),
                new VerifyOptions { InStall = 0.5, OutStall = 0.5, InnerStall = 0.9, StallSeed = 5, DeadlockCycles = 5_000 });
            bound.EnsurePassed();
            Assert.Equal(Samples, bound.Stall!.BitExact);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
