using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;

namespace QuantHdl.Tests.Engine;

/// <summary>The residual add and the fork (one tensor read by two ops) against central finite differences.</summary>
public class ResidualTests
{
    [Fact]
    public void AddOfResNetShapedTensorsMatchesFiniteDifferences()
    {
        var rng = new Random(4);
        GradCheck.Check(t => new Add().Forward(t[0], t[1]), [GradCheck.Rand(rng, 2, 16, 3, 3), GradCheck.Rand(rng, 2, 16, 3, 3)]);
    }

    [Fact]
    public void AddingATensorToItselfGivesTwiceTheGradient()
    {
        // d/dx sum((x + x) * R) = 2R: both operand slots accumulate into the same gradient.
        var x = new Tensor([2, 3], [1, 2, 3, 4, 5, 6]) { RequiresGrad = true };
        var r = new Tensor([2, 3], [0.5f, -1, 2, 0, 3, -0.25f]);
        Ops.Sum(Ops.Mul(Ops.Add(x, x), r)).Backward();
        Assert.Equal(new[] { 1f, -2, 4, 0, 6, -0.5f }, x.Grad!);
    }

    [Fact]
    public void IdentityBlockWithForkMatchesFiniteDifferences()
    {
        // relu(conv(relu(conv(x))) + x): x feeds the first conv and the add, so its gradient is the sum of both paths.
        var rng = new Random(5);
        var x = GradCheck.AwayFromZero(rng, 2, 4, 5, 5);
        var w1 = GradCheck.Rand(rng, 4, 4, 3, 3);
        var w2 = GradCheck.Rand(rng, 4, 4, 3, 3);
        var b2 = GradCheck.Rand(rng, 4);
        GradCheck.Check(t =>
        {
            var h = Ops.Relu(Ops.Conv2d(t[0], t[1], null, 1, 1, 1));
            return Ops.Add(Ops.Conv2d(h, t[2], t[3], 1, 1, 1), t[0]);
        }, [x, w1, w2, b2], h: 1e-3);
    }

    [Fact]
    public void DownsamplingBlockWithBatchNormMatchesFiniteDifferences()
    {
        // ResNet's stage-entry block in training mode: bn(conv3x3 s2) -> bn(conv3x3) + bn(conv1x1 s2), x forked
        // (the ReLU between the convs is left out: batch-normed values sit near its kink, which finite differences straddle).
        var rng = new Random(6);
        var x = GradCheck.Rand(rng, 3, 2, 6, 6);
        var w1 = GradCheck.Rand(rng, 4, 2, 3, 3);
        var w2 = GradCheck.Rand(rng, 4, 4, 3, 3);
        var wd = GradCheck.Rand(rng, 4, 2, 1, 1);
        var bn1 = new BatchNorm2d(4);
        var bn2 = new BatchNorm2d(4);
        var bnd = new BatchNorm2d(4);
        foreach (var bn in new[] { bn1, bn2, bnd }) bn.Train();
        GradCheck.Check(t =>
        {
            var h = bn1.Forward(Ops.Conv2d(t[0], t[1], null, 2, 1, 1));
            var main = bn2.Forward(Ops.Conv2d(h, t[2], null, 1, 1, 1));
            var shortcut = bnd.Forward(Ops.Conv2d(t[0], t[3], null, 2, 0, 1));
            return new Add().Forward(main, shortcut);
        }, [x, w1, w2, wd]);
    }
}
