using System.Globalization;
using System.Text.RegularExpressions;
using QuantHdl.Arithmetic;
using QuantHdl.Verification.Verilator;

namespace QuantHdl.Tests.Hdl;

/// <summary>
/// The residual-block units under Icarus, with random values and long random stall bursts on every side:
/// hdl/residual_add.v (tb_residual_add.v) against AddMath.Apply (§9), with its capacity when the output is
/// blocked (AddMath.UnitBeatsHeld) and its latency (AddMath.UnitLatency); hdl/axis_fork.v (tb_axis_fork.v):
/// every branch sees every beat once, in order, and the fork holds no beat (§10); hdl/skip_fifo.v
/// (tb_skip_fifo.v): order, no loss or duplication, and a capacity of exactly DEPTH for every RAM style.
/// The benches fail on a held beat that changes, on an extra beat and on a deadlock. Also Verilator -Wall
/// lint and a Yosys xc7 check that the FIFO's RAM_STYLE picks block RAM or LUTRAM.
/// </summary>
public sealed partial class ResidualBlockTests
{
    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
    private static long Mask(int bits) => bits == 64 ? -1L : (1L << bits) - 1;

    // ---- residual_add ----

    public static TheoryData<int, int, bool, int, bool, int, bool, int> AddCases()
    {
        var data = new TheoryData<int, int, bool, int, bool, int, bool, int>();
        (int Lanes, int ABits, bool ASigned, int BBits, bool BSigned, int OutBits, bool Relu)[] cases =
        [
            (1, 8, true, 8, false, 8, true),    // signed main branch, unsigned identity shortcut, fused ReLU
            (2, 4, true, 4, false, 4, true),
            (4, 6, true, 4, false, 4, true),
            (1, 8, false, 8, false, 8, false),  // both unsigned, signed output
            (2, 5, true, 7, true, 6, false),    // both signed
            (4, 1, false, 3, true, 2, true),    // 1-bit input
            (4, 12, true, 12, true, 16, false), // wide
        ];
        foreach (var c in cases)
            foreach (int stall in new[] { 0, 45 })
                data.Add(c.Lanes, c.ABits, c.ASigned, c.BBits, c.BSigned, c.OutBits, c.Relu, stall);
        return data;
    }

    [Theory]
    [MemberData(nameof(AddCases))]
    public void ResidualAddMatchesAddMath(int lanes, int aBits, bool aSigned, int bBits, bool bSigned, int outBits, bool relu, int stall)
    {
        var rng = new Random(RandomLayers.Seed("resadd", lanes, aBits, aSigned, bBits, bSigned, outBits, relu, stall));
        var ta = new IntType(aBits, aSigned);
        var tb = new IntType(bBits, bSigned);
        // Step ratios that put typical sums inside the output range, so that some outputs clamp and most do not.
        double ra = Math.Pow(2, outBits - aBits) * (0.4 + 0.8 * rng.NextDouble());
        double rb = Math.Pow(2, outBits - bBits) * (0.4 + 0.8 * rng.NextDouble());
        var (ma, mb, k) = AddMath.Choose(ra, rb, 16, "add");
        var add = new AddParams(lanes, ta, tb, 16, ma, mb, k, AddMath.SumBits(ta, tb, ma, mb), outBits, relu);
        const int beats = 96;
        var a = RandomValues(rng, ta, beats * lanes);
        var b = RandomValues(rng, tb, beats * lanes);

        var (run, got) = RunAdd(add, a, b, beats, block: 0, stall, burst: 24);
        var expected = ExpectedAdd(add, a, b, beats);
        HdlTestKit.AssertSameBeats(expected, got, $"residual_add {ta}+{tb}->{outBits} LANES={lanes} M=({ma},{mb}) k={k}");
        Assert.True(expected.SelectMany(r => r.Skip(1)).Distinct().Count() >= 3, "too few distinct outputs to prove anything");
        if (stall == 0)
        {
            Assert.Equal(AddMath.UnitLatency, Counter(run, "LATENCY"));
            int cycles = HdlTestKit.Cycles(run);
            Assert.True(cycles <= beats + AddMath.UnitLatency + 2, $"{cycles} cycles for {beats} beats: not one beat per cycle");
        }
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 45)]
    [InlineData(4, 70)]
    public void ResidualAddHoldsExactlyUnitBeatsHeldWhenItsOutputIsBlocked(int lanes, int stall)
    {
        var rng = new Random(RandomLayers.Seed("resadd-held", lanes, stall));
        var ta = IntType.S(8);
        var tb = IntType.U(8);
        var (ma, mb, k) = AddMath.Choose(0.5, 0.7, 16, "add");
        var add = new AddParams(lanes, ta, tb, 16, ma, mb, k, AddMath.SumBits(ta, tb, ma, mb), 8, true);
        const int beats = 40;
        var a = RandomValues(rng, ta, beats * lanes);
        var b = RandomValues(rng, tb, beats * lanes);
        var (run, got) = RunAdd(add, a, b, beats, block: 30, stall, burst: 24);
        Assert.Contains($"HELD {AddMath.UnitBeatsHeld} {AddMath.UnitBeatsHeld}", run.Stdout);
        HdlTestKit.AssertSameBeats(ExpectedAdd(add, a, b, beats), got, "residual_add after a blocked output");
    }

    [Theory]
    // M = 1 and k = 1: y = round((a + b) / 2), a tie on every odd sum, negative ones included.
    [InlineData(1L, 1L, 1, 1)]
    // -13/4 = -3.25, -14/4 = -3.5 (half up: -3), -15/4 = -3.75 ...
    [InlineData(3L, 1L, 2, 2)]
    // k beyond the sum's width: every result is exactly 0.
    [InlineData(1L, 1L, 1, 12)]
    public void ResidualAddRoundsTiesHalfUpOnNegativeSums(long ma, long mb, int multBits, int shift)
    {
        var ta = IntType.S(4);
        var tb = IntType.S(4);
        var add = new AddParams(2, ta, tb, multBits, ma, mb, shift, AddMath.SumBits(ta, tb, ma, mb), 8, false);
        // Every pair of s4 values.
        var a = new List<long>();
        var b = new List<long>();
        for (long x = -8; x < 8; x++)
            for (long y = -8; y < 8; y++) { a.Add(x); b.Add(y); }
        int beats = a.Count / 2;
        var (_, got) = RunAdd(add, [.. a], [.. b], beats, block: 0, stall: 30, burst: 5);
        var expected = ExpectedAdd(add, [.. a], [.. b], beats);
        HdlTestKit.AssertSameBeats(expected, got, $"residual_add ties M=({ma},{mb}) k={shift}");
        if (shift < add.SumBits)
            Assert.Contains(expected, r => r.Skip(1).Any(v => HdlTestKit.SignExtend(v, 8) < 0));
    }

    private sealed record AddParams(int Lanes, IntType A, IntType B, int MultBits, long Ma, long Mb, int Shift, int SumBits, int OutBits, bool Relu)
    {
        public long Lo => Relu ? 0 : -(1L << (OutBits - 1));
        public long Hi => Relu ? (1L << OutBits) - 1 : (1L << (OutBits - 1)) - 1;
    }

    private const int AddFrameBeats = 8;

    private static List<long[]> ExpectedAdd(AddParams p, long[] a, long[] b, int beats)
    {
        var rows = new List<long[]>();
        for (int i = 0; i < beats; i++)
        {
            var row = new long[p.Lanes + 1];
            row[0] = i % AddFrameBeats == AddFrameBeats - 1 ? 1 : 0;
            for (int l = 0; l < p.Lanes; l++)
                row[l + 1] = AddMath.Apply(a[i * p.Lanes + l], b[i * p.Lanes + l], p.Ma, p.Mb, p.Shift, p.Lo, p.Hi) & Mask(p.OutBits);
            rows.Add(row);
        }
        return rows;
    }

    private static (ToolResult Run, List<long[]> Beats) RunAdd(AddParams p, long[] a, long[] b, int beats, int block, int stall, int burst)
    {
        var dir = HdlTestKit.NewTempDir("resadd");
        string P(string n) => Path.Combine(dir, n);
        File.WriteAllLines(P("a.hex"), a.Select(v => (v & Mask(p.A.Width)).ToString("x", CultureInfo.InvariantCulture)));
        File.WriteAllLines(P("b.hex"), b.Select(v => (v & Mask(p.B.Width)).ToString("x", CultureInfo.InvariantCulture)));
        var run = HdlTestKit.RunIverilog(dir, "tb_residual_add", ["tb/tb_residual_add.v", "residual_add.v"],
            new Dictionary<string, string>
            {
                ["LANES"] = I(p.Lanes), ["A_BITS"] = I(p.A.Width), ["A_SIGNED"] = p.A.Signed ? "1" : "0",
                ["B_BITS"] = I(p.B.Width), ["B_SIGNED"] = p.B.Signed ? "1" : "0", ["MULT_BITS"] = I(p.MultBits),
                ["M_A"] = I(p.Ma), ["M_B"] = I(p.Mb), ["SHIFT"] = I(p.Shift), ["SUM_BITS"] = I(p.SumBits),
                ["OUT_BITS"] = I(p.OutBits), ["LO"] = I(p.Lo), ["HI"] = I(p.Hi),
                ["N_BEATS"] = I(beats), ["FRAME_BEATS"] = I(AddFrameBeats), ["BLOCK"] = I(block),
            },
            [$"+ain={P("a.hex")}", $"+bin={P("b.hex")}", $"+out={P("out.txt")}", "+seed=7",
             $"+pa={stall}", $"+pb={(stall * 2) / 3}", $"+pout={stall}", $"+burst={burst}"]);
        var rows = HdlTestKit.ReadRows(P("out.txt"));
        Directory.Delete(dir, true);
        return (run, rows);
    }

    /// <summary>Uniform values of the type, with its minimum and maximum every few elements.</summary>
    private static long[] RandomValues(Random rng, IntType t, int n) =>
        Enumerable.Range(0, n).Select(i => i % 7 == 3 ? t.Max : i % 11 == 5 ? t.Min : rng.NextInt64(t.Min, t.Max + 1)).ToArray();

    // ---- axis_fork ----

    [Theory]
    [InlineData(2, 8, 0, 1)]
    [InlineData(2, 8, 40, 30)]
    [InlineData(3, 8, 40, 30)]
    [InlineData(4, 1, 60, 10)]
    [InlineData(3, 16, 20, 60)]
    public void ForkGivesEveryBranchEveryBeatInOrder(int n, int width, int stall, int burst)
    {
        var rng = new Random(RandomLayers.Seed("fork", n, width, stall, burst));
        const int beats = 200, frame = 7;
        var xs = Enumerable.Range(0, beats).Select(_ => rng.NextInt64(0, 1L << width)).ToArray();
        var (run, rows) = RunStream("tb_axis_fork", ["tb/tb_axis_fork.v", "axis_fork.v"], xs,
            new() { ["N"] = I(n), ["WIDTH"] = I(width), ["N_BEATS"] = I(beats), ["FRAME_BEATS"] = I(frame) }, stall, burst);
        var expected = Enumerable.Range(0, beats).Select(i => new[] { i % frame == frame - 1 ? 1L : 0L, xs[i] }).ToList();
        for (int j = 0; j < n; j++)
            HdlTestKit.AssertSameBeats(expected, rows.Where(r => r[0] == j).Select(r => r[1..]).ToList(), $"fork N={n} branch {j}");
        Assert.Equal(n * beats, rows.Count);
        if (stall == 0) Assert.True(HdlTestKit.Cycles(run) <= beats + 2, $"{HdlTestKit.Cycles(run)} cycles for {beats} beats");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void ForkHoldsNoBeat(int n)
    {
        // Branch 0 blocked, the others always ready: the input beat cannot retire, and every other branch
        // takes the current beat once and nothing more.
        var rng = new Random(RandomLayers.Seed("fork-held", n));
        const int beats = 50;
        var xs = Enumerable.Range(0, beats).Select(_ => rng.NextInt64(0, 256)).ToArray();
        var (run, rows) = RunStream("tb_axis_fork", ["tb/tb_axis_fork.v", "axis_fork.v"], xs,
            new() { ["N"] = I(n), ["WIDTH"] = "8", ["N_BEATS"] = I(beats), ["FRAME_BEATS"] = "5", ["BLOCK"] = "40" }, 30, 20);
        Assert.Contains("TAKEN 0", run.Stdout);
        Assert.Contains("BRANCH 0 0", run.Stdout);
        for (int j = 1; j < n; j++) Assert.Contains($"BRANCH {j} 1", run.Stdout);
        for (int j = 0; j < n; j++)
            Assert.Equal(xs, rows.Where(r => r[0] == j).Select(r => r[2]).ToArray());
    }

    // ---- skip_fifo ----

    public static TheoryData<int, string, int, int> FifoCases()
    {
        var data = new TheoryData<int, string, int, int>();
        foreach (string style in new[] { "block", "distributed", "registers" })
        {
            foreach (int depth in new[] { 1, 2, 3, 5, 64, 1000 })
                data.Add(depth, style, 40, 25);   // blocked output first, then long random stalls
            foreach (int depth in new[] { 1, 2, 3, 5 })
                data.Add(depth, style, 0, 1);     // no stalls: latency and throughput
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(FifoCases))]
    public void SkipFifoKeepsOrderAndHoldsExactlyDepth(int depth, string style, int stall, int burst)
    {
        var rng = new Random(RandomLayers.Seed("skipfifo", depth, style, stall));
        const int width = 12, frame = 7;
        int beats = depth + 150;
        int block = stall == 0 ? 0 : depth + 20;
        var xs = Enumerable.Range(0, beats).Select(_ => rng.NextInt64(0, 1L << width)).ToArray();
        var (run, rows) = RunStream("tb_skip_fifo", ["tb/tb_skip_fifo.v", "skip_fifo.v"], xs,
            new()
            {
                ["WIDTH"] = I(width), ["DEPTH"] = I(depth), ["RAM_STYLE"] = $"\"{style}\"",
                ["N_BEATS"] = I(beats), ["FRAME_BEATS"] = I(frame), ["BLOCK"] = I(block),
            }, stall, burst);
        var expected = Enumerable.Range(0, beats).Select(i => new[] { i % frame == frame - 1 ? 1L : 0L, xs[i] }).ToList();
        HdlTestKit.AssertSameBeats(expected, rows, $"skip_fifo DEPTH={depth} {style}");
        if (block > 0) Assert.Contains($"HELD {depth}\n", run.Stdout);
        else
        {
            // The header's latency and throughput: one beat per cycle when DEPTH > LATENCY, else DEPTH
            // beats every LATENCY + 1 cycles.
            int latency = style == "block" ? 2 : 1;
            Assert.Equal(latency, Counter(run, "LATENCY"));
            int bound = depth > latency ? beats + latency + 2 : (beats + depth - 1) / depth * (latency + 1) + 2;
            int cycles = HdlTestKit.Cycles(run);
            Assert.True(cycles <= bound, $"{cycles} cycles for {beats} beats, expected at most {bound}");
        }
    }

    [Fact]
    public void SkipFifoRefusesAnUnknownRamStyle()
    {
        var dir = HdlTestKit.NewTempDir("skipfifo-style");
        File.WriteAllText(Path.Combine(dir, "x.hex"), "0\n");
        var run = HdlTestKit.RunIverilogUnchecked(dir, "tb_skip_fifo", ["tb/tb_skip_fifo.v", "skip_fifo.v"],
            new Dictionary<string, string> { ["RAM_STYLE"] = "\"ultra\"", ["N_BEATS"] = "1" },
            [$"+xin={Path.Combine(dir, "x.hex")}", $"+out={Path.Combine(dir, "out.txt")}"]);
        Assert.Contains("FATAL: skip_fifo: RAM_STYLE = ultra", run.Stdout);
        Directory.Delete(dir, true);
    }

    private static (ToolResult Run, List<long[]> Rows) RunStream(string top, string[] files, long[] xs, Dictionary<string, string> parameters, int stall, int burst)
    {
        var dir = HdlTestKit.NewTempDir(top);
        string P(string n) => Path.Combine(dir, n);
        File.WriteAllLines(P("x.hex"), xs.Select(v => v.ToString("x", CultureInfo.InvariantCulture)));
        var run = HdlTestKit.RunIverilog(dir, top, files, parameters,
            [$"+xin={P("x.hex")}", $"+out={P("out.txt")}", "+seed=5", $"+pin={stall}", $"+pout={stall}", $"+burst={burst}"]);
        var rows = HdlTestKit.ReadRows(P("out.txt"));
        Directory.Delete(dir, true);
        return (run, rows);
    }

    private static int Counter(ToolResult run, string name) =>
        int.Parse(run.Stdout.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..].Trim(), CultureInfo.InvariantCulture);

    // ---- lint and synthesis ----

    [Theory]
    [InlineData("residual_add", new string[0])]
    [InlineData("residual_add", new[] { "-GLANES=4", "-GA_BITS=4", "-GA_SIGNED=0", "-GB_BITS=6", "-GB_SIGNED=1", "-GSUM_BITS=64", "-GSHIFT=62", "-GLO=64'hFFFFFFFFFFFFFFF8", "-GHI=64'sd7", "-GOUT_BITS=4" })]
    [InlineData("residual_add", new[] { "-GSUM_BITS=3", "-GSHIFT=5", "-GM_A=64'd1", "-GM_B=64'd0", "-GMULT_BITS=1" })]
    [InlineData("axis_fork", new string[0])]
    [InlineData("axis_fork", new[] { "-GN=5", "-GWIDTH=1" })]
    [InlineData("skip_fifo", new string[0])]
    [InlineData("skip_fifo", new[] { "-GDEPTH=1", "-GRAM_STYLE=\"block\"" })]
    [InlineData("skip_fifo", new[] { "-GDEPTH=1000", "-GRAM_STYLE=\"block\"" })]
    [InlineData("skip_fifo", new[] { "-GDEPTH=1", "-GRAM_STYLE=\"registers\"" })]
    [InlineData("skip_fifo", new[] { "-GDEPTH=5", "-GWIDTH=1", "-GRAM_STYLE=\"distributed\"" })]
    public void LintCleanUnderVerilatorWall(string top, string[] parameters)
    {
        var dir = HdlTestKit.NewTempDir("lint");
        var r = ExternalTool.Run("verilator", ["--lint-only", "-Wall", "--top-module", top, .. parameters, HdlTestKit.HdlFile(top + ".v")], dir, TimeSpan.FromMinutes(2));
        Assert.True(r.ExitCode == 0 && r.Stderr.Trim().Length == 0, $"verilator lint of {top} {string.Join(' ', parameters)}:\n{r.Stderr}");
        Directory.Delete(dir, true);
    }

    [Theory]
    [InlineData(1024, 32, "block")]
    [InlineData(32, 32, "distributed")]
    [InlineData(32, 8, "registers")]
    public void SkipFifoRamStyleMapsToTheAskedPrimitive(int depth, int width, string style)
    {
        var dir = HdlTestKit.NewTempDir("yosys-fifo");
        var script = $"read_verilog -sv {HdlTestKit.HdlFile("skip_fifo.v")}; " +
                     $"chparam -set WIDTH {width} -set DEPTH {depth} -set RAM_STYLE \"{style}\" skip_fifo; " +
                     "synth_xilinx -family xc7 -top skip_fifo; stat";
        var r = ExternalTool.RunChecked("yosys", ["-p", script], dir, TimeSpan.FromMinutes(3));
        var stat = r.Stdout[r.Stdout.LastIndexOf("Number of cells", StringComparison.Ordinal)..];
        int Count(string prefix) => CellCount().Matches(stat).Where(m => m.Groups[1].Value.StartsWith(prefix, StringComparison.Ordinal)).Sum(m => int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        int bram = Count("RAMB"), lutram = Count("RAM32") + Count("RAM64") + Count("RAM128") + Count("RAM256");
        int ffs = Count("FD");
        switch (style)
        {
            case "block":
                Assert.True(bram >= 1 && lutram == 0, $"block: {bram} block RAMs, {lutram} LUTRAMs\n{stat}");
                break;
            case "distributed":
                Assert.True(bram == 0 && lutram >= 1, $"distributed: {bram} block RAMs, {lutram} LUTRAMs\n{stat}");
                break;
            default:
                // The words themselves are flip-flops: DEPTH * (WIDTH + 1) of them, besides the pointers.
                Assert.True(bram == 0 && lutram == 0 && ffs >= depth * (width + 1), $"registers: {bram} block RAMs, {lutram} LUTRAMs, {ffs} FFs\n{stat}");
                break;
        }
        Directory.Delete(dir, true);
    }

    [GeneratedRegex(@"^\s+(\w+)\s+(\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex CellCount();
}
