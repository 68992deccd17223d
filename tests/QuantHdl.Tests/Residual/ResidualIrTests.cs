using System.Numerics;
using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Freeze;
using QuantHdl.Compiler.Ir;
using QuantHdl.Compiler.Passes;
using QuantHdl.Golden;
using QuantHdl.Golden.Kernels;
using QuantHdl.Models;
using QuantHdl.Tests.Verify;

namespace QuantHdl.Tests.Residual;

/// <summary>
/// The residual add and the fork in the IR (docs/integer-semantics.md §9, §10): freezing, the validator's graph
/// checks, the golden kernel against a BigInteger reference, and the skip-FIFO depths against hand-worked ones.
/// </summary>
public class ResidualIrTests
{
    /// <summary>§9 with BigInteger and floor division: nothing shared with RequantMath or the kernel.</summary>
    private static long Reference(long a, long b, long ma, long mb, int k, long lo, long hi)
    {
        BigInteger sum = (BigInteger)a * ma + (BigInteger)b * mb + (BigInteger.One << (k - 1));
        BigInteger q = BigInteger.DivRem(sum, BigInteger.One << k, out var rem);
        if (rem.Sign < 0) q -= 1; // floor
        return (long)BigInteger.Max(lo, BigInteger.Min(hi, q));
    }

    [Theory]
    [InlineData(8, true, 4, false, 4, false)]   // signed main, unsigned shortcut, ReLU output (the ResNet block)
    [InlineData(8, true, 8, true, 8, true)]     // both signed, signed output
    [InlineData(4, false, 4, false, 4, false)]  // both unsigned
    public void TheAddKernelMatchesABigIntegerReferenceOverTheWholeRange(int aBits, bool aSigned, int bBits, bool bSigned, int outBits, bool outSigned)
    {
        var rng = new Random(aBits * 100 + bBits);
        var at = aSigned ? IntType.S(aBits) : IntType.U(aBits);
        var bt = bSigned ? IntType.S(bBits) : IntType.U(bBits);
        var ot = outSigned ? IntType.S(outBits) : IntType.U(outBits);
        for (int trial = 0; trial < 20; trial++)
        {
            var (ma, mb, k) = AddMath.Choose(rng.NextDouble() * 3, rng.NextDouble() * 3, 3 + rng.Next(14), "t");
            var node = new IrNode("add1", ["a", "b"], new AddOp(1, 1, 64, ma, mb, k, 16, 64), ot, 64, 1, 1.0);
            var kernel = new AddKernel(node, at, bt);
            var a = Enumerable.Range(0, 64).Select(i => i < 2 ? (i == 0 ? at.Min : at.Max) : at.Min + (long)(rng.NextDouble() * (at.Max - at.Min + 1))).ToArray();
            var b = Enumerable.Range(0, 64).Select(i => i < 2 ? (i == 0 ? bt.Max : bt.Min) : bt.Min + (long)(rng.NextDouble() * (bt.Max - bt.Min + 1))).ToArray();
            var y = kernel.Run([a, b], 0);
            for (int i = 0; i < 64; i++) Assert.Equal(Reference(a[i], b[i], ma, mb, k, ot.Min, ot.Max), y[i]);
        }
    }

    [Fact]
    public void TheAddRoundsHalfUpAtTheSharedShift()
    {
        // 3*1 + 1*1 = 4 at k = 3 is 0.5 -> 1; -5*1 + 1*1 = -4 -> -0.5 -> 0 (half up); 2*3 + 2*3 = 12 at k = 3 is 1.5 -> 2.
        Assert.Equal(1, AddMath.Apply(3, 1, 1, 1, 3, -128, 127));
        Assert.Equal(0, AddMath.Apply(-5, 1, 1, 1, 3, -128, 127));
        Assert.Equal(2, AddMath.Apply(2, 2, 3, 3, 3, -128, 127));
        Assert.Equal(0, AddMath.Apply(-100, 1, 1, 1, 1, 0, 15)); // ReLU in the clamp
    }

    [Fact]
    public void TheCommonScaleSharesOneShiftWorkedByHand()
    {
        // r_a = 0.5, r_b = 0.25, MB = 16: k = 16 is the largest with round(0.5 * 2^k) < 2^16; M_a = 32768, M_b = 16384.
        Assert.Equal((32768L, 16384L, 16), AddMath.Choose(0.5, 0.25, 16, "t"));
        // r_a = 3 (the larger now), r_b = 1, MB = 4: round(3 * 2^k) < 16 gives k = 2: M_a = 12, M_b = 4.
        Assert.Equal((12L, 4L, 2), AddMath.Choose(3, 1, 4, "t"));
        Assert.Throws<ArithmeticLimitException>(() => AddMath.Choose(40, 1, 4, "add9"));
    }

    private static DenseSource Window(string name, int inputs, int outs, IntType outType, bool relu, double inStep, double outStep, Random rng) =>
        new(name, inputs, outs, Enumerable.Range(0, inputs * outs).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray(),
            new float[outs], WeightSpec.Parse("uniform:4"), Enumerable.Repeat(0.1f, outs).ToArray(), inStep, outStep, outType, relu);

    private static ModelSource Block()
    {
        var rng = new Random(3);
        var s0 = new Shape(2, 4, 4);
        var s1 = new Shape(4, 4, 4);
        var u4 = IntType.U(4);
        return new ModelSource("blk", s0, IntType.U(8), 1.0 / 255,
        [
            new ConvSource("conv1", s0, 3, 1, 1, 1, Window("conv1", 18, 4, u4, true, 1.0 / 255, 0.1, rng)),
            new ConvSource("conv2", s1, 3, 1, 1, 1, Window("conv2", 36, 4, IntType.S(8), false, 0.1, 0.05, rng)),
            new AddSource("add1", s1, 0.2, u4, true) { Inputs = ["conv2", "conv1"] },
            new AvgPoolSource("gap1", s1, 4, 4, 0.1, u4),
            new DenseSource("fc1", 4, 3, new float[12], new float[3], WeightSpec.Parse("uniform:4"), [0.1f, 0.1f, 0.1f], 0.1, 0.01, IntType.S(16), false),
        ]);
    }

    [Fact]
    public void FreezingABlockInsertsAForkAndScalesTheAddBothWays()
    {
        var g = Freezer.Freeze(Block());
        Assert.Equal(["input", "conv1", "conv1_fork", "conv2", "add1", "gap1", "fc1"], g.Nodes.Select(n => n.Name));
        var fork = (ForkOp)g.Node("conv1_fork").Op;
        Assert.Equal(["conv2", "add1"], fork.Branches.Select(b => b.Consumer));
        Assert.Equal(["conv1_fork"], g.Node("conv2").Inputs);
        Assert.Equal(["conv2", "conv1_fork"], g.Node("add1").Inputs);
        var add = (AddOp)g.Node("add1").Op;
        // s_a / s_y = 0.05 / 0.2 = 0.25 and s_b / s_y = 0.1 / 0.2 = 0.5: k = 16, M_a = 16384, M_b = 32768.
        Assert.Equal((16384L, 32768L, 16), (add.MA, add.MB, add.Shift));
        // |a| <= 128 (s8), |b| <= 15 (u4): 128*16384 + 15*32768 = 2588672 < 2^22, so 23 signed bits.
        Assert.Equal(23, add.SumBits);
        Assert.Equal(IntType.U(4), g.Node("add1").OutType);
    }

    [Fact]
    public void FreezingRefusesAnAddOfMismatchedShapesNamingIt()
    {
        var m = Block();
        var nodes = m.Nodes.ToArray();
        nodes[2] = new AddSource("add1", new Shape(4, 4, 4), 0.2, IntType.U(4), true) { Inputs = ["conv2", "input"] };
        var e = Assert.Throws<IrException>(() => Freezer.Freeze(m with { Nodes = nodes }));
        Assert.Contains("add1", e.Message);
        nodes[2] = new AddSource("add1", new Shape(4, 4, 4), 0.2, IntType.U(4), true) { Inputs = ["conv2", "nothing"] };
        Assert.Contains("'nothing'", Assert.Throws<IrException>(() => Freezer.Freeze(m with { Nodes = nodes })).Message);
    }

    [Fact]
    public void TheValidatorRefusesAStreamWithTwoReadersAndAForkWhoseBranchesLie()
    {
        var g = ResidualGraphs.Small(WeightSpec.Parse("uniform:4"), 1);
        // conv2 and add1 both read conv1 directly: a fan-out without a fork.
        var nodes = g.Nodes.Where(n => n.Op.Kind != OpKind.Fork)
            .Select(n => n with { Inputs = n.Inputs.Select(i => i == "conv1_fork" ? "conv1" : i).ToArray() }).ToArray();
        var e = Assert.Throws<IrException>(() => IrValidator.Check(g with { Nodes = nodes }));
        Assert.Contains("conv1", e.Message);
        Assert.Contains("needs a fork", e.Message);
        // A fork that says it feeds pool1, which does not read it.
        var f = g.Node("conv1_fork");
        var lying = f with { Op = ((ForkOp)f.Op) with { Branches = [((ForkOp)f.Op).Branches[0], ((ForkOp)f.Op).Branches[1] with { Consumer = "pool1" }] } };
        var e2 = Assert.Throws<IrException>(() => IrValidator.Check(g with { Nodes = g.Nodes.Select(n => n.Name == f.Name ? lying : n).ToArray() }));
        Assert.Contains("conv1_fork", e2.Message);
    }

    [Fact]
    public void TheGoldenSimulatorRunsTheDagWithTheForkAsTheIdentity()
    {
        var g = ResidualGraphs.Small(WeightSpec.Parse("post:4"), 5);
        var x = TestModels.RandomInputs(1, 7, g.Nodes[0].OutSize)[0];
        var outs = GoldenSimulator.Run(g, x);
        int Idx(string n) => Array.FindIndex(g.Nodes, v => v.Name == n);
        Assert.Equal(outs[Idx("conv1")], outs[Idx("conv1_fork")]);
        var add = (AddOp)g.Node("add1").Op;
        var a = outs[Idx("conv2")];
        var b = outs[Idx("conv1")];
        var y = outs[Idx("add1")];
        for (int i = 0; i < y.Length; i++) Assert.Equal(Reference(a[i], b[i], add.MA, add.MB, add.Shift, 0, 15), y[i]);
        Assert.Contains(a, v => v < 0); // the main branch is signed, and the ReLU in the add's clamp matters
    }

    [Fact]
    public void TheShortcutFifoDepthIsTheHandWorkedOne()
    {
        // ResidualGraphs.Small: the fork carries conv1's 8x8x4 frame at 2 lanes (2 beats a pixel). conv2 (3x3, pad 1)
        // needs conv1's pixel (y+1, x+1) for its output (y, x): ((y+1)*8 + x+1 + 1) * 2 fork beats for add beat
        // j = 2*(8y + x), while the shortcut has taken j. The worst, inside the frame: (8 + 2) * 2 - 1 = 19.
        var g = new SizeSkipFifos().Run(ResidualGraphs.Small(WeightSpec.Parse("uniform:4"), 1));
        var fork = (ForkOp)g.Node("conv1_fork").Op;
        var main = fork.Branches.Single(b => b.Consumer == "conv2");
        var skip = fork.Branches.Single(b => b.Consumer == "add1");
        Assert.Equal(0, main.Depth);
        Assert.Equal("none", main.Storage);
        Assert.Equal(19, skip.MinDepth);
        Assert.True(skip.Tight);
        // Full rate: conv2 computes a pixel in 36/2 x 4/2 = 36 cycles, plus the 16-cycle pipeline allowance, while
        // the fork delivers 128 beats per 2304-cycle frame (conv2's pace): ceil(52 * 128 / 2304) = 3 more.
        Assert.Equal(22, skip.Depth);
        Assert.Equal("lutram", skip.Storage); // 22 x (8 + 1) bits
        Assert.Contains("19 beats must wait", skip.Reason);
    }

    [Theory]
    [InlineData(28, 16, 4)] // (28 + 2) * 4 - 1 = 119
    [InlineData(8, 4, 4)]
    [InlineData(6, 2, 1)]
    public void TheShortcutDepthAroundOneConvFollowsTheWindowFormula(int w, int c, int lanes)
    {
        // One 3x3 pad-1 conv on the main branch of a W x W x C frame at L lanes, identity shortcut: the worst add
        // beat is the first of an inner pixel (y, x), needing ((y+1)*W + x + 2) * C/L fork beats with (y*W + x) * C/L
        // taken: depth = (W + 2) * C/L - 1.
        var rng = new Random(w);
        var u4 = IntType.U(4);
        var x = CnnGraphs.Input(w, w, c, lanes);
        var c1 = CnnGraphs.Conv(rng, "conv1", x, c, 3, 1, 1, 1, WeightSpec.Parse("uniform:2"), u4, 0, u4.Max, new Folding(lanes, lanes));
        var f1 = ResidualGraphs.Fork(c1, "conv2", "add1");
        var c2 = CnnGraphs.Conv(rng, "conv2", c1, c, 3, 1, 1, 1, WeightSpec.Parse("uniform:2"), IntType.S(8), -128, 127, new Folding(lanes, lanes)) with { Inputs = [f1.Name] };
        var a1 = ResidualGraphs.Add(rng, "add1", c2, f1, u4);
        var g1 = CnnGraphs.AvgPool(rng, "gap1", a1, w, w, u4);
        var fc = new IrNode("fc1", ["gap1"], QuantHdl.Tests.Hdl.RandomLayers.Dense(rng, "fc1", c, 2, WeightSpec.Parse("uniform:2"), u4, IntType.S(16), -32768, 32767, new Folding(1, 1)), IntType.S(16), 2, 1, 1.0);
        var g = new IrGraph("two", [x, c1, f1, c2, a1, g1, fc]) { Output = "fc1", Classes = 2 };
        var sized = new SizeSkipFifos().Run(g);
        var skip = ((ForkOp)sized.Node("conv1_fork").Op).Branches.Single(b => b.Consumer == "add1");
        Assert.Equal((w + 2) * c / lanes - 1, skip.MinDepth);
    }
}
