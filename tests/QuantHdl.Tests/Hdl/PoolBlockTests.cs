using System.Globalization;
using QuantHdl.Golden;
using QuantHdl.Golden.Kernels;
using QuantHdl.Compiler.Ir;
using QuantHdl.Verification.Verilator;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Hdl;

/// <summary>
/// hdl/maxpool.v and hdl/pool_sum.v under Icarus (tb_maxpool.v, tb_pool_sum.v) against MaxPoolKernel.MaxPool
/// and AvgPoolKernel.AvgPool (§8): several frames back to back with random codes, with and without random
/// stalls, every output element and tlast compared by equality. The benches fail on an output beat that
/// changes while held, on a beat beyond the expected ones, and on a deadlock.
/// </summary>
public sealed class PoolBlockTests
{
    private const int Frames = 3;

    public static TheoryData<int, int, int, int, int, int, int> MaxCases()
    {
        var data = new TheoryData<int, int, int, int, int, int, int>();
        (int H, int W, int C, int K, int Lanes, int Bits)[] edges =
        [
            (4, 4, 1, 2, 1, 8),   // C = 1, one lane
            (5, 7, 6, 2, 3, 8),   // a dropped row and column
            (6, 6, 16, 3, 4, 4),  // C = 16 in beats of 4
            (3, 3, 2, 3, 2, 8),   // one window per frame
            (4, 4, 2, 1, 2, 8),   // K = 1: the identity
            (8, 5, 4, 4, 1, 3),   // one output column and a dropped column, 3-bit codes
        ];
        foreach (var e in edges)
            foreach (int stall in new[] { 0, 50, 90 })
                data.Add(e.H, e.W, e.C, e.K, e.Lanes, e.Bits, stall);
        var rng = new Random(8);
        int[] lanes = [1, 2, 4];
        for (int i = 0; i < 9; i++)
        {
            int k = rng.Next(1, 4), l = lanes[rng.Next(lanes.Length)];
            data.Add(rng.Next(k, 9), rng.Next(k, 9), l * rng.Next(1, 4), k, l, rng.Next(1, 9), new[] { 0, 50, 90 }[i % 3]);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(MaxCases))]
    public void MaxPoolMatchesKernel(int h, int w, int c, int k, int lanes, int elemBits, int stallPercent)
    {
        var rng = new Random(RandomLayers.Seed("maxpool", h, w, c, k, lanes, elemBits, stallPercent));
        var xs = RandomFrames(rng, h * w * c, elemBits);
        var (run, beats) = Run("tb_maxpool", ["tb/tb_maxpool.v", "maxpool.v", "pool_window.v", "axis_fifo.v"], xs,
            new() { ["H"] = I(h), ["W"] = I(w), ["C"] = I(c), ["K"] = I(k), ["LANES"] = I(lanes), ["ELEM_BITS"] = I(elemBits) },
            stallPercent);

        int frame = h * w * c, outLen = (h / k) * (w / k) * c;
        var expected = new List<long>();
        for (int f = 0; f < Frames; f++) expected.AddRange(MaxPoolKernel.MaxPool(xs.AsSpan(f * frame, frame), h, w, c, k));
        HdlTestKit.AssertSameBeats(HdlTestKit.StreamBeats(expected, lanes, outLen), beats, $"maxpool {h}x{w}x{c} K={k} LANES={lanes}");
        if (stallPercent == 0) AssertOneBeatPerCycle(run, Frames * frame / lanes);
    }

    public static TheoryData<int, int, int, int, int, int, int, int, int> SumCases()
    {
        var data = new TheoryData<int, int, int, int, int, int, int, int, int>();
        (int H, int W, int C, int KH, int KW, int Lanes, int Bits, int OutBits)[] edges =
        [
            (4, 4, 2, 2, 2, 1, 8, 8),     // ap2
            (7, 7, 8, 7, 7, 4, 8, 8),     // global pool
            (5, 7, 6, 2, 2, 3, 8, 8),     // dropped row and column
            (6, 6, 4, 3, 3, 2, 4, 6),     // narrow codes, other output width
            (5, 6, 3, 5, 6, 3, 1, 4),     // global pool of 1-bit codes
            (4, 6, 2, 1, 3, 2, 8, 8),     // a non-square window
        ];
        foreach (var e in edges)
            foreach (int stall in new[] { 0, 50, 90 })
                data.Add(e.H, e.W, e.C, e.KH, e.KW, e.Lanes, e.Bits, e.OutBits, stall);
        var rng = new Random(9);
        int[] lanes = [1, 2, 4];
        for (int i = 0; i < 6; i++)
        {
            int kh = rng.Next(1, 4), kw = rng.Next(1, 4), l = lanes[rng.Next(lanes.Length)], bits = rng.Next(2, 9);
            data.Add(rng.Next(kh, 9), rng.Next(kw, 9), l * rng.Next(1, 4), kh, kw, l, bits, rng.Next(2, 9), new[] { 0, 50, 90 }[i % 3]);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SumCases))]
    public void PoolSumMatchesAvgPool(int h, int w, int c, int kh, int kw, int lanes, int elemBits, int outBits, int stallPercent)
    {
        var rng = new Random(RandomLayers.Seed("poolsum", h, w, c, kh, kw, lanes, elemBits, outBits, stallPercent));
        var xs = RandomFrames(rng, h * w * c, elemBits);
        // One multiplier for every channel approximating s_x / (KH*KW*s_y) (§8), with a random scale
        // ratio around 1 so that some averages clamp at the top and most do not.
        const int mb = 16;
        double ratio = Math.Pow(2, outBits - elemBits) * (0.6 + 0.8 * rng.NextDouble());
        var (m0, shift) = RequantMath.Choose(ratio / (kh * kw), mb, "pool");
        int sumBits = SumBits(kh * kw, elemBits);
        long hi = (1L << outBits) - 1;
        var (run, beats) = Run("tb_pool_sum", ["tb/tb_pool_sum.v", "pool_sum.v", "pool_window.v", "requant.v", "axis_fifo.v"], xs,
            new()
            {
                ["H"] = I(h), ["W"] = I(w), ["C"] = I(c), ["KH"] = I(kh), ["KW"] = I(kw), ["LANES"] = I(lanes),
                ["ELEM_BITS"] = I(elemBits), ["SUM_BITS"] = I(sumBits), ["OUT_BITS"] = I(outBits), ["MB"] = I(mb),
                ["M0"] = I(m0), ["SHIFT"] = I(shift),
            },
            stallPercent);

        int frame = h * w * c, outLen = (h / kh) * (w / kw) * c;
        var expected = new List<long>();
        for (int f = 0; f < Frames; f++)
            expected.AddRange(AvgPoolKernel.AvgPool(xs.AsSpan(f * frame, frame), h, w, c, kh, kw, m0, shift, 0, hi));
        HdlTestKit.AssertSameBeats(HdlTestKit.StreamBeats(expected, lanes, outLen), beats,
            $"pool_sum {h}x{w}x{c} {kh}x{kw} LANES={lanes} M0={m0} k={shift}");
        // Guards the test itself: outputs that all clamp or all round to one value would prove little.
        Assert.True(expected.Distinct().Count() >= Math.Min(3, expected.Count), $"only {expected.Distinct().Count()} distinct outputs");
        if (stallPercent == 0) AssertOneBeatPerCycle(run, Frames * frame / lanes);
    }

    [Fact]
    public void PoolSumStopsWhenSumBitsIsBelowTheBound()
    {
        // 2x2 windows of 8-bit codes: the largest sum 4*255 = 1020 needs 10 bits.
        Assert.Equal(10, SumBits(4, 8));
        var dir = HdlTestKit.NewTempDir("poolsum-narrow");
        var run = HdlTestKit.RunIverilogUnchecked(dir, "tb_pool_sum", ["tb/tb_pool_sum.v", "pool_sum.v", "pool_window.v", "requant.v", "axis_fifo.v"],
            new Dictionary<string, string> { ["SUM_BITS"] = "9" }, HdlTestKit.IdlePlusargs(dir));
        Assert.Contains("FATAL: pool_sum: SUM_BITS = 9 is below the bound 10", run.Stdout);
        Directory.Delete(dir, true);
    }

    /// <summary>bitlength(n * (2^bits - 1)): the width of the largest window sum (§8), as the compiler computes it.</summary>
    private static int SumBits(int n, int bits)
    {
        long max = n * ((1L << bits) - 1);
        return 64 - (int)long.LeadingZeroCount(max);
    }

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static long[] RandomFrames(Random rng, int frame, int elemBits)
    {
        long max = (1L << elemBits) - 1;
        var xs = Enumerable.Range(0, Frames * frame).Select(_ => rng.NextInt64(0, max + 1)).ToArray();
        for (int i = 0; i < xs.Length; i += 11) xs[i] = max;  // the largest code, so a lost carry shows
        return xs;
    }

    private static (ToolResult Run, List<long[]> Beats) Run(string top, string[] files, long[] xs, Dictionary<string, string> parameters, int stallPercent)
    {
        var dir = HdlTestKit.NewTempDir(top);
        string Path_(string n) => Path.Combine(dir, n);
        File.WriteAllLines(Path_("x.hex"), xs.Select(v => v.ToString("x", CultureInfo.InvariantCulture)));
        parameters["N_FRAME"] = I(Frames);
        var run = HdlTestKit.RunIverilog(dir, top, files, parameters,
            [$"+xin={Path_("x.hex")}", $"+out={Path_("out.txt")}", "+seed=9", $"+pin={stallPercent}", $"+pout={stallPercent}"]);
        var beats = HdlTestKit.ReadRows(Path_("out.txt"));
        Directory.Delete(dir, true);
        return (run, beats);
    }

    /// <summary>Without stalls the units take one input beat per cycle (the header's cycle count), plus the pipeline.</summary>
    private static void AssertOneBeatPerCycle(ToolResult run, int inBeats)
    {
        int cycles = HdlTestKit.Cycles(run);
        Assert.True(cycles <= inBeats + 6, $"{cycles} cycles for {inBeats} input beats");
    }
}
