using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Ir;
using QuantHdl.Golden;
using QuantHdl.Tests.Hdl;
using QuantHdl.Verification.Verilator;

namespace QuantHdl.Tests.Verify;

/// <summary>
/// POST at 2, 3, 5 and 6 bits (and POT at 2) in one tiny net, x u8[16] -> fc1 post:2 -> fc2 post:3 ->
/// fc3 pot:2 -> fc4 post:5 -> fc5 post:6 -> s16, with every index and sign of each width among random codes
/// (docs/integer-semantics.md §3):
/// Verilator equals the golden simulator on every integer of every layer, with and without stalls, and
/// the golden simulator equals the BigInteger reference. One Verilator build covers the four widths.
/// </summary>
public class PostWidthVerilatorTests
{
    private static IrGraph Net(int fracBits)
    {
        var rng = new Random(RandomLayers.Seed("post-widths", fracBits.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var u8 = IntType.U(8);
        var u4 = IntType.U(4);
        var logits = IntType.S(16);
        var nodes = new List<IrNode> { new("x", [], new InputOp(), u8, 16, 2, 1.0 / 255) };
        (string Name, WeightCode Code, int Bits, int In, int Out, Folding Fold)[] layers =
            [("fc1", WeightCode.Post, 2, 16, 12, new Folding(2, 3)), ("fc2", WeightCode.Post, 3, 12, 12, new Folding(3, 2)), ("fc3", WeightCode.Pot, 2, 12, 12, new Folding(6, 4)),
             ("fc4", WeightCode.Post, 5, 12, 8, new Folding(4, 2)), ("fc5", WeightCode.Post, 6, 8, 10, new Folding(2, 5))];
        var inType = u8;
        foreach (var (name, code, bits, inSize, outSize, fold) in layers)
        {
            bool last = name == "fc5";
            var outType = last ? logits : u4;
            // Every index e = 0..2^(b-1)-1 with both signs, at shuffled positions, the rest random.
            var w = new WeightSpec(code, bits);
            int indices = 1 << (bits - 1);
            var codes = Enumerable.Range(0, inSize * outSize).Select(i => i < 2 * indices ? ((i & 1) << (bits - 1)) | (i / 2) : RandomLayers.RandomCode(rng, w))
                .Select(c => WeightArithmetic.Index(c, w) == 0 ? 0 : c).OrderBy(_ => rng.Next()).ToArray();
            var d = RandomLayers.Dense(rng, name, inSize, outSize, w, inType, outType, last ? logits.Min : 0, outType.Max, fold, fracBits, code: i => codes[i]);
            nodes.Add(new IrNode(name, [nodes[^1].Name], d, outType, outSize, fold.Pe, 1.0));
            inType = outType;
        }
        var g = new IrGraph($"post_widths_f{fracBits}", nodes.ToArray()) { Output = "fc5", Classes = 10 };
        IrValidator.Check(g);
        return g;
    }

    [Fact]
    public void EveryIndexOfEveryWidthIsUsed()
    {
        var g = Net(8);
        foreach (var d in g.Nodes.Select(n => n.Op).OfType<DenseOp>())
        {
            int indices = 1 << (d.Weight.Bits - 1); // e = 0 (zero) .. 2^(b-1) - 1
            for (int e = 1; e < indices; e++)
                foreach (int sign in new[] { 0, 1 })
                    Assert.Contains((sign << (d.Weight.Bits - 1)) | e, d.Weights);
            Assert.Contains(0, d.Weights);
        }
    }

    [Fact]
    public void GoldenEqualsTheBigIntegerReference()
    {
        var g = Net(8);
        var sim = new GoldenSimulator(g);
        foreach (var (x, s) in RandomLayers.Inputs(new Random(5), 64, 16, IntType.U(8)).Select((x, s) => (x, s)))
            Assert.Equal(E2eGraphs.Reference(g, x), sim.Run(x, s));
    }

    [Fact]
    public void VerilatorIsBitExactWithAndWithoutStalls()
    {
        var g = Net(8);
        var dir = HdlTestKit.NewTempDir("post-widths");
        try
        {
            var inputs = RandomLayers.Inputs(new Random(RandomLayers.Seed("post-widths-inputs")), 12, 16, IntType.U(8));
            var r = new VerilatorVerifier(E2eFixture.Cache).EmitAndVerify(g, inputs, dir,
                new VerifyOptions { InStall = 0.4, OutStall = 0.6, StallSeed = 5 });
            r.EnsurePassed();
            Assert.Equal(12, r.NoStall.BitExact);
            Assert.Equal(12, r.Stall!.BitExact);
            foreach (var run in new[] { r.NoStall, r.Stall })
                foreach (var node in g.Nodes)
                    Assert.Equal(12L * node.OutSize, run.Layers.Single(l => l.Node == node.Name).ElementsChecked);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
