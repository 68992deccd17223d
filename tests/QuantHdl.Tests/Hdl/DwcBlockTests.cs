using System.Globalization;

namespace QuantHdl.Tests.Hdl;

/// <summary>
/// hdl/axis_dwc.v under Icarus (tb_axis_dwc.v) against a C# model of the stream (§1: elements in order,
/// regrouped into beats of OUT_LANES, tlast on the last beat of each vector), with and without random
/// stalls on input valid and output ready. The bench itself fails on an output beat that changes while held.
/// </summary>
public sealed class DwcBlockTests
{
    [Theory]
    [InlineData(2, 4, 8, 8, 0)]     // up by 2
    [InlineData(2, 4, 8, 8, 40)]
    [InlineData(1, 16, 8, 48, 35)]  // up by 16
    [InlineData(16, 1, 8, 48, 35)]  // down by 16
    [InlineData(8, 2, 4, 16, 50)]   // down by 4
    [InlineData(6, 3, 5, 12, 35)]   // down by 2, gcd 3
    [InlineData(3, 4, 8, 24, 0)]    // coprime up
    [InlineData(3, 4, 8, 24, 35)]
    [InlineData(4, 3, 8, 24, 35)]   // coprime down
    [InlineData(6, 4, 8, 24, 35)]   // gcd 2, down
    [InlineData(4, 6, 8, 24, 35)]   // gcd 2, up
    [InlineData(5, 5, 8, 10, 35)]   // equal lanes: a two-beat buffer
    public void MatchesStreamModel(int inLanes, int outLanes, int elemBits, int vecLen, int stallPercent)
    {
        var rng = new Random(RandomLayers.Seed("dwc", inLanes, outLanes, elemBits, vecLen, stallPercent));
        const int vectors = 5;
        long max = (1L << elemBits) - 1;
        var xs = Enumerable.Range(0, vectors * vecLen).Select(_ => rng.NextInt64(0, max + 1)).ToArray();

        var dir = HdlTestKit.NewTempDir("dwc");
        string Path_(string n) => Path.Combine(dir, n);
        File.WriteAllLines(Path_("x.hex"), xs.Select(v => v.ToString("x", CultureInfo.InvariantCulture)));
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        var run = HdlTestKit.RunIverilog(dir, "tb_axis_dwc", ["tb/tb_axis_dwc.v", "axis_dwc.v"],
            new Dictionary<string, string>
            {
                ["IN_LANES"] = I(inLanes), ["OUT_LANES"] = I(outLanes), ["ELEM_BITS"] = I(elemBits),
                ["VEC_LEN"] = I(vecLen), ["N_VEC"] = I(vectors),
            },
            [$"+xin={Path_("x.hex")}", $"+out={Path_("out.txt")}", "+seed=11", $"+pin={stallPercent}", $"+pout={stallPercent}"]);

        var beats = HdlTestKit.ReadRows(Path_("out.txt"));
        var expected = Model(xs, outLanes, vecLen);
        Assert.Equal(expected.Count, beats.Count);
        for (int b = 0; b < expected.Count; b++)
            Assert.True(expected[b].SequenceEqual(beats[b]),
                $"beat {b}: expected [{string.Join(' ', expected[b])}], RTL gave [{string.Join(' ', beats[b])}]");

        if (stallPercent == 0)
        {
            // Without stalls the wider side moves one beat per cycle: the converter adds no bubbles.
            int inBeats = vectors * vecLen / inLanes, outBeats = vectors * vecLen / outLanes;
            int cycles = int.Parse(run.Stdout.Split('\n').Single(l => l.StartsWith("CYCLES ", StringComparison.Ordinal))[7..], CultureInfo.InvariantCulture);
            Assert.True(cycles <= Math.Max(inBeats, outBeats) + 4, $"{cycles} cycles for {inBeats} input and {outBeats} output beats");
        }
        Directory.Delete(dir, true);
    }

    /// <summary>The output stream: elements in order, OUT_LANES per beat, "tlast e0 e1 ..." per beat.</summary>
    private static List<long[]> Model(long[] xs, int outLanes, int vecLen)
    {
        var beats = new List<long[]>();
        for (int start = 0; start < xs.Length; start += outLanes)
        {
            bool last = (start + outLanes) % vecLen == 0;
            beats.Add([last ? 1 : 0, .. xs.AsSpan(start, outLanes).ToArray()]);
        }
        return beats;
    }
}
