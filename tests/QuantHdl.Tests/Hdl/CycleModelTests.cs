using QuantHdl.Hardware;
using QuantHdl.Compiler.Ir;
using QuantHdl.Tests.Verify;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Hdl;

public class CycleModelTests
{
    [Fact]
    public void EveryNodesCyclesFollowItsFolding()
    {
        // CnnGraphs.Small, worked by hand: x 8x8x2 in beats of 2 = 64; conv1 64 px x 18/2 x 4/2 = 1152;
        // pool1 reads 8*8*4 elements in beats of PE 2 = 128; conv2 (s2, p1 on 4x4) 2x2 px x 36/1 x 4/4 = 144;
        // gap1 reads 2*2*4 in beats of 4 = 4; fc1 4/2 x 3/3 = 2.
        var g = CnnGraphs.Small(WeightSpec.Parse("uniform:4"), 1);
        Assert.Equal([("x", 64L), ("conv1", 1152L), ("pool1", 128L), ("conv2", 144L), ("gap1", 4L), ("fc1", 2L)], CycleModel.PerNode(g));
        Assert.Equal((1152L, "conv1"), CycleModel.InitiationInterval(g));
    }
}
