using System.Globalization;
using System.Numerics;
using System.Text;
using QuantHdl.Arithmetic;
using QuantHdl.Flows;
using QuantHdl.Hardware;
using QuantHdl.Hardware.Estimates;
using QuantHdl.Tests.Hdl;
using QuantHdl.Verification.Synthesis;
using QuantHdl.Verification.Verilator;

namespace QuantHdl.Tests.Synthesis;

/// <summary>
/// The multiplier study measures the real MAC datapath: its generated top, simulated with Icarus, accumulates exactly
/// the terms of docs/integer-semantics.md §3 (WeightArithmetic.Term); and its table divides and compares as stated.
/// </summary>
public sealed class MultiplierStudyTests
{
    [Theory]
    [InlineData("uniform:3", 3, 8)]
    [InlineData("pot:3", 3, 8)]
    [InlineData("post:3", 3, 8)]
    [InlineData("post:4", 4, 2)]
    public void StudyTopAccumulatesTheTermsOfEveryRow(string weight, int actBits, int fracBits)
    {
        const int simd = 3, pe = 2, cycles = 12;
        var c = new StudyCase(weight, actBits, fracBits);
        var job = MultiplierStudy.Job(c, RtlAssets.Locate(), FpgaFamily.Xc7, simd, pe);
        var d = MultiplierStudy.Layer(c, simd, pe);
        var w = d.Weight;
        var rng = new Random(weight.Length * 7 + actBits);
        var xs = new long[cycles][];
        var codes = new int[cycles][];
        for (int t = 0; t < cycles; t++)
        {
            xs[t] = Enumerable.Range(0, simd).Select(_ => (long)rng.Next(1 << actBits)).ToArray();
            // Every code the width holds, drawn at random, including the most negative uniform value and POT/POST zero.
            codes[t] = Enumerable.Range(0, simd * pe).Select(_ => rng.Next(1 << w.Bits)).ToArray();
        }
        var table = w.Code == WeightCode.Post ? WeightArithmetic.SqrtHalfTable(actBits, fracBits) : null;
        var expected = new BigInteger[pe];
        for (int t = 0; t < cycles; t++)
            for (int p = 0; p < pe; p++)
                for (int s = 0; s < simd; s++)
                {
                    int raw = codes[t][p * simd + s];
                    // Uniform codes are two's complement in W bits; POT/POST codes are sign and index.
                    int code = w.Code == WeightCode.Uniform && raw >= 1 << (w.Bits - 1) ? raw - (1 << w.Bits) : raw;
                    expected[p] += WeightArithmetic.Term(code, xs[t][s], w, fracBits, table);
                }

        var dir = HdlTestKit.NewTempDir("mac-study");
        foreach (var (name, text) in job.Files) File.WriteAllText(Path.Combine(dir, name), text);
        File.WriteAllText(Path.Combine(dir, "tb.v"), Bench(simd, pe, actBits, w.Bits, d.AccBits, xs, codes));
        var files = job.Files.Select(f => f.Name).Append("tb.v").ToList();
        ExternalTool.RunChecked("iverilog", new[] { "-g2012", "-o", "tb.vvp", "-s", "tb" }.Concat(files), dir, TimeSpan.FromMinutes(2));
        var run = ExternalTool.RunChecked("vvp", ["-n", "tb.vvp"], dir, TimeSpan.FromMinutes(2));
        var line = run.Stdout.Split('\n').Single(l => l.StartsWith("ACC ", StringComparison.Ordinal));
        var packed = BigInteger.Parse("0" + line[4..].Trim(), NumberStyles.HexNumber);
        for (int p = 0; p < pe; p++)
        {
            var raw = (packed >> (p * d.AccBits)) & ((BigInteger.One << d.AccBits) - 1);
            var value = raw >= BigInteger.One << (d.AccBits - 1) ? raw - (BigInteger.One << d.AccBits) : raw;
            Assert.Equal(expected[p], value);
        }
    }

    private static string Bench(int simd, int pe, int a, int wb, int acc, long[][] xs, int[][] codes)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $@"module tb;
    reg clk = 0;
    reg rst = 1;
    reg [{simd * a - 1}:0] x_in = 0;
    reg [{simd * pe * wb - 1}:0] w_in = 0;
    wire [{pe * acc - 1}:0] acc;
    {MultiplierStudy.TopModule} dut (.clk(clk), .rst(rst), .x_in(x_in), .w_in(w_in), .acc(acc));
    always #5 clk = ~clk;
    initial begin
        repeat (5) @(negedge clk);
        rst = 0;
");
        for (int t = 0; t < xs.Length; t++)
        {
            BigInteger xw = 0, ww = 0;
            for (int s = simd - 1; s >= 0; s--) xw = (xw << a) | xs[t][s];
            for (int i = simd * pe - 1; i >= 0; i--) ww = (ww << wb) | codes[t][i];
            sb.Append(CultureInfo.InvariantCulture, $"        x_in = {simd * a}'h{xw.ToString("x", CultureInfo.InvariantCulture)}; w_in = {simd * pe * wb}'h{ww.ToString("x", CultureInfo.InvariantCulture)}; @(negedge clk);\n");
        }
        sb.Append("        x_in = 0; w_in = 0;\n        repeat (6) @(negedge clk);\n        $display(\"ACC %h\", acc);\n        $finish;\n    end\nendmodule\n");
        return sb.ToString();
    }

    [Fact]
    public void RatioIsAgainstUniformAtTheSameWidthsAndFamily()
    {
        var rows = new List<StudyRow>
        {
            new(new StudyCase("uniform:4", 8), "xc7", 6400, 0, 0, 64, null),
            new(new StudyCase("post:4", 8), "xc7", 3200, 0, 0, 64, null),
            new(new StudyCase("uniform:4", 4), "xc7", 1280, 0, 0, 64, null),
            new(new StudyCase("post:4", 8), "ice40", 3200, 0, 0, 64, null),
            new(new StudyCase("post:8", 8), "xc7", 0, 0, 0, 64, "too wide"),
        };
        Assert.Equal(50.0, rows[1].LutPerLane);
        Assert.Equal(0.5, StudyFlow.RatioToUniform(rows[1], rows));
        Assert.Null(StudyFlow.RatioToUniform(rows[3], rows));
        Assert.Null(StudyFlow.RatioToUniform(rows[4], rows));
        var md = StudyFlow.Markdown(rows);
        Assert.Contains("| post:4 | 8 | 50.0 | 0.50x | 50.0 |  |", md);
        Assert.Contains("| post:8 | 8 | n/a |", md);
        Assert.Contains("- n/a post:8 A8: too wide", md);
    }

    [Fact]
    public void SpliceReplacesOnlyTheGeneratedSectionAndRefusesAFileWithoutIt()
    {
        var doc = $"intro\n{StudyFlow.DocBegin}\nold table\n{StudyFlow.DocEnd}\noutro\n";
        var spliced = StudyFlow.Splice(doc, "new table\n", "x.md");
        Assert.Equal($"intro\n{StudyFlow.DocBegin}\nnew table\n{StudyFlow.DocEnd}\noutro\n", spliced);
        Assert.Throws<InvalidDataException>(() => StudyFlow.Splice("intro only\n", "t", "x.md"));
    }

    [Fact]
    public void AWidthTheCodeCannotHoldIsReportedWithTheParsersReason()
    {
        var why = MultiplierStudy.Refusal(new StudyCase("post:8", 8));
        Assert.NotNull(why);
        Assert.Contains("out of range", why);
        Assert.Contains("post:8", why);
        Assert.Null(MultiplierStudy.Refusal(new StudyCase("post:4", 8)));
        Assert.Throws<ArgumentException>(() => MultiplierStudy.Layer(new StudyCase("post:8", 8)));
    }
}
