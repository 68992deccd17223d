using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Freeze;
using QuantHdl.Compiler.Ir;
using QuantHdl.Tests.Hdl;

namespace QuantHdl.Tests.Verify;

/// <summary>Random small residual graphs with exact widths, for the golden, FIFO and end-to-end tests.</summary>
internal static class ResidualGraphs
{
    /// <summary>
    /// An add of <paramref name="a"/> (main) and <paramref name="b"/> (shortcut) at steps chosen near 1 of the
    /// output's: the multipliers and shift of §9 from <see cref="AddMath.Choose"/>.
    /// </summary>
    public static IrNode Add(Random rng, string name, IrNode a, IrNode b, IntType outType)
    {
        var s = EdgeShape.Of(a);
        double ra = (0.2 + 0.6 * rng.NextDouble()) * (outType.Max + 1.0) / (Math.Max(Math.Abs(a.OutType.Min), a.OutType.Max) + 1.0);
        double rb = (0.2 + 0.6 * rng.NextDouble()) * (outType.Max + 1.0) / (Math.Max(Math.Abs(b.OutType.Min), b.OutType.Max) + 1.0);
        var (ma, mb, k) = AddMath.Choose(ra, rb, 16, name);
        int sumBits = AddMath.SumBits(a.OutType, b.OutType, ma, mb);
        return new IrNode(name, [a.Name, b.Name], new AddOp(s.H, s.W, s.C, ma, mb, k, 16, sumBits), outType, a.OutSize, a.OutLanes, 1.0);
    }

    /// <summary>A fork of <paramref name="src"/> to <paramref name="consumers"/>, not yet sized.</summary>
    public static IrNode Fork(IrNode src, params string[] consumers)
    {
        var s = EdgeShape.Of(src);
        return new IrNode(src.Name + Freezer.ForkSuffix, [src.Name],
            new ForkOp(s.H, s.W, s.C, consumers.Select(c => new ForkBranch(c, 0, "none", false, ForkBranch.Unsized)).ToArray()),
            src.OutType, src.OutSize, src.OutLanes, 1.0);
    }

    /// <summary>
    /// x u8 [8x8x2] -> conv1 (c4k3p1, SIMD 2 x PE 2, u4) -> conv1_fork -> conv2 (c4k3p1, SIMD 2 x PE 2, s8, no ReLU)
    /// -> add1 (conv2 + conv1_fork, u4) -> pool1 (max 2) -> gap1 (u4) -> fc1 (4 -> 3 logits, s16): every op kind.
    /// </summary>
    public static IrGraph Small(WeightSpec w, int seed)
    {
        var rng = new Random(seed);
        var u4 = IntType.U(4);
        var s8 = IntType.S(8);
        var s16 = IntType.S(16);
        var x = CnnGraphs.Input(8, 8, 2, 2);
        var c1 = CnnGraphs.Conv(rng, "conv1", x, 4, 3, 1, 1, 1, w, u4, 0, u4.Max, new Folding(2, 2));
        var f1 = Fork(c1, "conv2", "add1");
        var c2 = CnnGraphs.Conv(rng, "conv2", c1, 4, 3, 1, 1, 1, w, s8, s8.Min, s8.Max, new Folding(2, 2)) with { Inputs = [f1.Name] };
        var a1 = Add(rng, "add1", c2, f1, u4);
        var p1 = CnnGraphs.MaxPool("pool1", a1, 2);
        var g1 = CnnGraphs.AvgPool(rng, "gap1", p1, 4, 4, u4);
        var fc = new IrNode("fc1", ["gap1"], RandomLayers.Dense(rng, "fc1", 4, 3, w, u4, s16, s16.Min, s16.Max, new Folding(2, 3)), s16, 3, 3, 1.0);
        var g = new IrGraph($"res_{w.Code.ToString().ToLowerInvariant()}", [x, c1, f1, c2, a1, p1, g1, fc]) { Output = "fc1", Classes = 3 };
        IrValidator.Check(g);
        return g;
    }
}
