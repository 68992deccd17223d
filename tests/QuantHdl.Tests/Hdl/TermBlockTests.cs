using System.Globalization;
using QuantHdl.Hardware;
using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Hdl;

/// <summary>
/// hdl/post_lane.v + post_term.v, pot_term.v and uniform_term.v against WeightArithmetic.Term (§3),
/// exhaustively over every activation and every code.
/// </summary>
public sealed class TermBlockTests
{
    [Theory]
    [InlineData("post:4", 8, 8)]
    [InlineData("post:2", 4, 6)]    // J = 0: levels 0 and ±1
    [InlineData("post:2", 8, 12)]
    [InlineData("post:3", 4, 4)]
    [InlineData("post:5", 8, 8)]
    [InlineData("post:4", 6, 12)]
    [InlineData("pot:4", 8, 8)]
    [InlineData("pot:2", 4, 8)]
    [InlineData("pot:3", 4, 8)]
    [InlineData("pot:5", 6, 8)]
    [InlineData("pot:6", 8, 8)]     // the widest POT (§5): shifts up to 30
    [InlineData("post:6", 6, 8)]
    [InlineData("post:7", 4, 8)]    // the widest POST: shifts up to 31 on x << F
    [InlineData("uniform:8", 8, 8)]
    [InlineData("uniform:4", 8, 8)]
    [InlineData("uniform:2", 4, 8)]
    public void EveryCodeAndActivationMatchesTerm(string spec, int actBits, int fracBits)
    {
        var w = WeightSpec.Parse(spec);
        int mode = w.Code switch { WeightCode.Uniform => 0, WeightCode.Pot => 1, WeightCode.Post => 2, _ => throw new ArgumentOutOfRangeException(nameof(spec)) };
        var dir = HdlTestKit.NewTempDir("terms");
        var outFile = Path.Combine(dir, "terms.txt");
        HdlTestKit.RunIverilog(dir, "tb_terms", ["tb/tb_terms.v", "post_lane.v", "post_term.v", "pot_term.v", "uniform_term.v"],
            new Dictionary<string, string>
            {
                ["A_BITS"] = actBits.ToString(CultureInfo.InvariantCulture),
                ["W_BITS"] = w.Bits.ToString(CultureInfo.InvariantCulture),
                ["WEIGHT_MODE"] = mode.ToString(CultureInfo.InvariantCulture),
                ["F"] = fracBits.ToString(CultureInfo.InvariantCulture),
                ["SQRT_TABLE"] = SqrtTableLiteral.For(actBits, fracBits),
            },
            [$"+out={outFile}"]);

        var table = WeightArithmetic.SqrtHalfTable(actBits, fracBits);
        var rows = HdlTestKit.ReadRows(outFile);
        Assert.Equal((1 << actBits) << w.Bits, rows.Count);
        foreach (var r in rows)
        {
            long x = r[0];
            int code = w.Code == WeightCode.Uniform ? (int)HdlTestKit.SignExtend(r[1], w.Bits) : (int)r[1];
            long expected = WeightArithmetic.Term(code, x, w, fracBits, table);
            Assert.True(expected == r[2], $"{spec}, a={actBits}, F={fracBits}: x={x} code={code}: expected {expected}, RTL gave {r[2]}");
        }
        Directory.Delete(dir, true);
    }
}
