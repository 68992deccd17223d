using System.Globalization;
using QuantHdl.Hardware;
using QuantHdl.Compiler.Ir;
using QuantHdl.Tests.Reference;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Hdl;

/// <summary>
/// hdl/mvu.v under Icarus (tb_mvu.v with ROM models, and hdl/axis_dwc.v in front when the input beats
/// are not SIMD elements wide, as in the generated wrapper), against the BigInteger reference of
/// docs/integer-semantics.md (Reference/IntegerReference.cs), with and without random stalls on input valid and output ready.
/// </summary>
public sealed class MvuBlockTests
{
    [Theory]
    [InlineData("post:4", 8, 16, 8, 4, 2, 4, false, 0)]
    [InlineData("post:4", 8, 16, 8, 4, 2, 4, false, 35)]
    [InlineData("post:4", 8, 16, 8, 1, 1, 1, false, 35)]   // SF = 16, NF = 8
    [InlineData("post:3", 4, 16, 8, 16, 8, 2, false, 35)]  // SF = NF = 1: a new group every cycle
    [InlineData("post:5", 6, 12, 6, 3, 3, 6, true, 20)]
    [InlineData("pot:4", 8, 16, 8, 2, 4, 8, false, 35)]
    [InlineData("pot:3", 4, 8, 4, 8, 1, 8, true, 0)]
    [InlineData("uniform:8", 8, 16, 8, 8, 2, 16, true, 35)]
    [InlineData("uniform:4", 8, 12, 10, 4, 5, 3, false, 50)]  // SF = 3 < PE = 5: one requant unit per PE
    // One shared requant unit (SF >= PE) at its limit SF = PE, where a group completes as the previous
    // group's last channel is fed, and one unit per PE just below it (SF = PE - 1 and PE - 2).
    [InlineData("post:4", 8, 16, 8, 4, 4, 4, false, 0)]    // SF = PE = 4
    [InlineData("post:4", 8, 16, 8, 4, 4, 2, false, 35)]   // SF = PE = 4
    [InlineData("uniform:6", 6, 8, 8, 4, 2, 4, true, 45)]  // SF = PE = 2
    [InlineData("pot:4", 8, 12, 8, 4, 4, 4, true, 35)]     // SF = 3 < PE = 4
    [InlineData("post:4", 8, 8, 12, 2, 6, 2, false, 35)]   // SF = 4 < PE = 6
    // The widest supported codes (§5): pot:6 shifts by up to 30, post:7 by up to 31 + F.
    [InlineData("pot:6", 8, 16, 8, 4, 2, 4, true, 35)]
    [InlineData("pot:6", 4, 8, 6, 2, 3, 2, false, 0)]
    [InlineData("post:7", 4, 8, 8, 4, 2, 4, true, 35, 4)]
    [InlineData("post:7", 2, 4, 6, 2, 3, 2, true, 0, 8)]
    public void MatchesReference(string spec, int actBits, int inSize, int outSize, int simd, int pe, int inLanes, bool signedOut, int stallPercent, int fracBits = 8)
    {
        var w = WeightSpec.Parse(spec);
        var rng = new Random(RandomLayers.Seed(spec, actBits, inSize, simd, pe, inLanes, stallPercent));
        var inType = IntType.U(actBits);
        var outType = signedOut ? IntType.S(16) : IntType.U(actBits);
        var d = RandomLayers.Dense(rng, "fc", inSize, outSize, w, inType, outType, outType.Min, outType.Max, new Folding(simd, pe), fracBits);
        var layout = new MvuLayout(d);
        const int vectors = 6;
        var xs = RandomLayers.Inputs(rng, vectors, inSize, inType);

        var dir = HdlTestKit.NewTempDir("mvu");
        string Path_(string n) => Path.Combine(dir, n);
        File.WriteAllLines(Path_("w.hex"), layout.WeightWords().Select(v => VerilogLiteral.HexDigits(v, layout.WeightWordBits)));
        File.WriteAllLines(Path_("p.hex"), layout.ParamWords().Select(v => VerilogLiteral.HexDigits(v, layout.ParamWordBits)));
        File.WriteAllLines(Path_("x.hex"), xs.SelectMany(x => x).Select(v => v.ToString("x", CultureInfo.InvariantCulture)));
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        // The derived widths, depths and flags, and whether a converter sits in front, as the wrapper gets them.
        var hw = layout.Hardware(actBits, inLanes);
        var parameters = hw.VerilogParameters().ToDictionary(p => p.Name, p => p.Value);
        parameters["DWC"] = hw.Dwc ? "1" : "0";
        HdlTestKit.RunIverilog(dir, "tb_mvu",
            ["tb/tb_mvu.v", "mvu.v", "mac_array.v", "requant.v", "post_lane.v", "post_term.v", "pot_term.v", "uniform_term.v", "add_tree.v", "neg_count.v", "axis_fifo.v", "axis_dwc.v"],
            new Dictionary<string, string>(parameters)
            {
                ["IN"] = I(inSize), ["OUT"] = I(outSize), ["SIMD"] = I(simd), ["PE"] = I(pe), ["IN_LANES"] = I(inLanes),
                ["A_BITS"] = I(actBits), ["W_BITS"] = I(w.Bits),
                ["WEIGHT_MODE"] = I(w.Code switch { WeightCode.Uniform => 0, WeightCode.Pot => 1, _ => 2 }),
                ["SQRT_FRAC_BITS"] = I(d.SqrtFracBits), ["SQRT_TABLE"] = w.Code == WeightCode.Post ? SqrtTableLiteral.For(actBits, d.SqrtFracBits) : "0",
                ["ACC_BITS"] = I(d.AccBits), ["MB"] = I(d.Rq.MultiplierBits), ["OUT_BITS"] = I(outType.Width),
                ["OUT_SIGNED"] = signedOut ? "1" : "0", ["LO"] = I(d.Rq.Lo), ["HI"] = I(d.Rq.Hi), ["N_VEC"] = I(vectors),
            },
            [$"+wrom={Path_("w.hex")}", $"+prom={Path_("p.hex")}", $"+xin={Path_("x.hex")}", $"+out={Path_("out.txt")}",
             "+seed=7", $"+pin={stallPercent}", $"+pout={stallPercent}"]);

        var beats = HdlTestKit.ReadRows(Path_("out.txt"));
        int nf = outSize / pe;
        Assert.Equal(vectors * nf, beats.Count);
        var distinct = new HashSet<long>();
        for (int n = 0; n < vectors; n++)
        {
            var expected = IntegerReference.Dense(d, xs[n]);
            for (int b = 0; b < nf; b++)
            {
                var beat = beats[n * nf + b];
                Assert.True((beat[0] == 1) == (b == nf - 1), $"vector {n} beat {b}: tlast is {beat[0]}");
                for (int p = 0; p < pe; p++)
                {
                    long actual = signedOut ? HdlTestKit.SignExtend(beat[1 + p], outType.Width) : beat[1 + p];
                    int c = b * pe + p;
                    Assert.True(expected[c] == actual, $"{spec} vector {n} channel {c}: expected {expected[c]}, RTL gave {actual}");
                    distinct.Add(actual);
                }
            }
        }
        // Guards the test itself: random parameters that clamp everything would prove little.
        Assert.True(distinct.Count >= Math.Min(6, outSize), $"only {distinct.Count} distinct outputs: {string.Join(",", distinct)}");
        Directory.Delete(dir, true);
    }
}
