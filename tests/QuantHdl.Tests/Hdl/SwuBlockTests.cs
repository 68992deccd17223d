using System.Globalization;
using QuantHdl.Golden;

namespace QuantHdl.Tests.Hdl;

/// <summary>
/// hdl/swu.v under Icarus (tb_swu.v) against SlidingWindow.Im2Col (§7): several frames back to back with
/// random codes, with and without random stalls on input valid and output ready, every window element and
/// every tlast compared by equality. The bench fails on an output beat that changes while held, on a beat
/// beyond the expected ones, and on a deadlock (timeout).
/// </summary>
public sealed class SwuBlockTests
{
    private const int Frames = 3;

    /// <summary>Hand-picked edge cases, each at 0%, 50% and 90% stalls, then random parameter sets.</summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int> Cases()
    {
        var data = new TheoryData<int, int, int, int, int, int, int, int, int>();
        (int H, int W, int C, int K, int S, int P, int Simd, int Bits)[] edges =
        [
            (5, 5, 1, 3, 1, 1, 1, 8),   // C = 1, SIMD = 1, "same" padding
            (6, 6, 16, 3, 1, 1, 4, 8),  // C = 16 in beats of 4
            (6, 5, 2, 1, 2, 0, 2, 8),   // K = 1, stride 2: the last row and column are read and dropped
            (7, 6, 3, 3, 2, 0, 3, 5),   // stride 2, (W - K) odd: a trailing column
            (7, 5, 4, 3, 3, 2, 2, 8),   // PAD = K - 1 with stride 3 and trailing rows
            (2, 2, 2, 3, 1, 1, 1, 8),   // kernel taller than the frame: R = H rows
            (3, 4, 2, 2, 1, 1, 2, 8),   // even kernel with padding
            (5, 5, 2, 5, 1, 0, 1, 4),   // K = H: one output row
            (4, 4, 8, 3, 1, 2, 8, 8),   // PAD = 2 = K - 1, SIMD = C
            (3, 3, 1, 1, 1, 0, 1, 1),   // 1x1 identity on 1-bit codes
            (10, 9, 1, 3, 4, 1, 1, 8),  // stride > K: rows between windows are skipped
            (4, 4, 2, 2, 2, 0, 1, 8),   // pool-like tiling
        ];
        foreach (var e in edges)
            foreach (int stall in new[] { 0, 50, 90 })
                data.Add(e.H, e.W, e.C, e.K, e.S, e.P, e.Simd, e.Bits, stall);

        var rng = new Random(20240507);
        int[] simds = [1, 2, 4];
        for (int i = 0; i < 16; i++)
        {
            int k = rng.Next(1, 6), s = rng.Next(1, 4), p = rng.Next(0, k);
            int h = rng.Next(Math.Max(1, k - 2 * p), 9), w = rng.Next(Math.Max(1, k - 2 * p), 9);
            int simd = simds[rng.Next(simds.Length)], c = simd * rng.Next(1, 4);
            data.Add(h, w, c, k, s, p, simd, rng.Next(1, 9), new[] { 0, 50, 90 }[i % 3]);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesIm2Col(int h, int w, int c, int k, int stride, int pad, int simd, int elemBits, int stallPercent) =>
        Check(h, w, c, k, stride, pad, simd, elemBits, stallPercent, rows: 0);

    /// <summary>A frame buffer (ROWS = H): the writer may run a whole frame ahead; the windows are the same.</summary>
    [Theory]
    [InlineData(5, 5, 1, 3, 1, 1, 1, 8, 0)]
    [InlineData(7, 5, 4, 3, 3, 2, 2, 8, 50)]
    [InlineData(10, 9, 1, 3, 4, 1, 1, 8, 90)]
    [InlineData(8, 6, 2, 5, 1, 0, 2, 4, 90)]
    [InlineData(12, 12, 6, 5, 1, 0, 6, 4, 50)]
    public void MatchesIm2ColWithAFrameBuffer(int h, int w, int c, int k, int stride, int pad, int simd, int elemBits, int stallPercent) =>
        Check(h, w, c, k, stride, pad, simd, elemBits, stallPercent, rows: h);

    private static void Check(int h, int w, int c, int k, int stride, int pad, int simd, int elemBits, int stallPercent, int rows)
    {
        var rng = new Random(RandomLayers.Seed("swu", h, w, c, k, stride, pad, simd, elemBits, stallPercent));
        int frame = h * w * c;
        long max = (1L << elemBits) - 1;
        var xs = Enumerable.Range(0, Frames * frame).Select(_ => rng.NextInt64(1, max + 1)).ToArray();
        // Zero codes are the pad value too; keep them out of the frame so a pad in the wrong place shows.
        if (elemBits > 1) for (int i = 0; i < xs.Length; i += 7) xs[i] = max;

        var dir = HdlTestKit.NewTempDir("swu");
        string Path_(string n) => Path.Combine(dir, n);
        File.WriteAllLines(Path_("x.hex"), xs.Select(v => v.ToString("x", CultureInfo.InvariantCulture)));
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        var run = HdlTestKit.RunIverilog(dir, "tb_swu", ["tb/tb_swu.v", "swu.v", "axis_fifo.v"],
            new Dictionary<string, string>
            {
                ["H"] = I(h), ["W"] = I(w), ["C"] = I(c), ["K"] = I(k), ["STRIDE"] = I(stride), ["PAD"] = I(pad),
                ["SIMD"] = I(simd), ["ELEM_BITS"] = I(elemBits), ["N_FRAME"] = I(Frames), ["ROWS"] = I(rows),
            },
            [$"+xin={Path_("x.hex")}", $"+out={Path_("out.txt")}", "+seed=5", $"+pin={stallPercent}", $"+pout={stallPercent}"]);

        var windows = new List<long>();
        for (int f = 0; f < Frames; f++)
            windows.AddRange(SlidingWindow.Im2Col(xs.AsSpan(f * frame, frame), h, w, c, k, stride, pad, padValue: 0));
        int windowLen = SlidingWindow.OutSize(h, k, stride, pad) * SlidingWindow.OutSize(w, k, stride, pad) * k * k * c;
        HdlTestKit.AssertSameBeats(HdlTestKit.StreamBeats(windows, simd, windowLen), HdlTestKit.ReadRows(Path_("out.txt")),
            $"swu {h}x{w}x{c} K={k} S={stride} P={pad} SIMD={simd}");

        if (stallPercent == 0)
        {
            // swu.v's cycle bound: per frame the larger of its output and input beats, plus the rows
            // of the frame's first output row that could not be loaded ahead, plus the pipeline.
            int cb = c / simd, outBeats = windowLen / simd, inBeats = frame / simd;
            int bound = Frames * (Math.Max(outBeats, inBeats) + (k - pad) * w * cb) + 8;
            int cycles = HdlTestKit.Cycles(run);
            Assert.True(cycles <= bound, $"{cycles} cycles for {Frames} frames of {outBeats} output and {inBeats} input beats; bound {bound}");
        }
        Directory.Delete(dir, true);
    }

    [Theory]
    [InlineData(3, 3, "PAD = 3")]   // PAD = K: a window of padding only
    [InlineData(3, 5, "PAD = 5")]
    public void RejectsPaddingOfKOrMore(int k, int pad, string named)
    {
        var dir = HdlTestKit.NewTempDir("swu-bad");
        var run = HdlTestKit.RunIverilogUnchecked(dir, "tb_swu", ["tb/tb_swu.v", "swu.v", "axis_fifo.v"],
            new Dictionary<string, string> { ["K"] = k.ToString(CultureInfo.InvariantCulture), ["PAD"] = pad.ToString(CultureInfo.InvariantCulture) }, HdlTestKit.IdlePlusargs(dir));
        Assert.Contains("FATAL: swu:", run.Stdout);
        Assert.Contains(named, run.Stdout);
        Directory.Delete(dir, true);
    }
}
