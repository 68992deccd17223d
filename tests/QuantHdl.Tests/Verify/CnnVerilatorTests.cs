using QuantHdl.Hardware;
using QuantHdl.Compiler.Ir;
using QuantHdl.Tests.Hdl;
using QuantHdl.Verification.Verilator;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Verify;

/// <summary>
/// End to end on convolutional graphs: conv (padding, stride, groups) -> max pool -> conv -> global pool
/// -> dense, emitted, built with Verilator and run with and without stalls; every integer of every
/// layer equals the golden simulator's.
/// </summary>
public class CnnVerilatorTests
{
    [Theory]
    [InlineData("post:4")]
    [InlineData("uniform:4")]
    [InlineData("pot:4")]
    public void EveryLayerOfARandomCnnIsBitExactWithAndWithoutStalls(string spec)
    {
        var g = CnnGraphs.Small(WeightSpec.Parse(spec), RandomLayers.Seed("cnn-e2e", spec));
        var dir = HdlTestKit.NewTempDir("cnn-e2e");
        try
        {
            var inputs = RandomLayers.Inputs(new Random(RandomLayers.Seed("cnn-e2e-inputs", spec)), 12, 8 * 8 * 2, IntType.U(8));
            var r = new VerilatorVerifier(E2eFixture.Cache).EmitAndVerify(g, inputs, dir,
                new VerifyOptions { InStall = 0.4, OutStall = 0.6, StallSeed = 3 });
            r.EnsurePassed();
            Assert.Equal(12, r.NoStall.BitExact);
            Assert.Equal(12, r.Stall!.BitExact);
            foreach (var run in new[] { r.NoStall, r.Stall })
                foreach (var node in g.Nodes)
                    Assert.Equal(12L * node.OutSize, run.Layers.Single(l => l.Node == node.Name).ElementsChecked);
            // conv1 sets the pace: 8x8 pixels x (18/2) x (4/2) = 1152 cycles per frame, by hand.
            Assert.Equal((1152L, "conv1"), (r.AnalyticIntervalCycles, r.AnalyticBottleneck));
            Assert.InRange(r.IntervalRatio!.Value, 0.9, 1.1);
            // The estimator's frame latency (docs/estimation.md "Latency") against the measured first-in to last-out.
            long estimated = QuantHdl.Hardware.Estimates.ResourceEstimator.Of(g, QuantHdl.Hardware.Estimates.FpgaFamily.Xc7).Latency;
            Assert.InRange((double)estimated / r.LatencyCycles!.Value, 0.85, 1.15);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
