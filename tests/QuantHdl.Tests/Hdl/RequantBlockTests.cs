using System.Globalization;
using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Hdl;

/// <summary>hdl/requant.v against RequantMath.Apply (§4), random and extreme operands.</summary>
public sealed class RequantBlockTests
{
    [Theory]
    [InlineData(20, 16, 8, false, 0L, 255L)]       // hidden layer, a = 8
    [InlineData(47, 16, 16, true, -32768L, 32767L)] // product needs the full 64 bits
    [InlineData(9, 4, 4, false, 0L, 15L)]          // tiny: k >= P happens often
    [InlineData(30, 32, 16, true, -32768L, 32767L)] // widest multiplier
    [InlineData(12, 1, 3, true, -3L, 2L)]           // clamp narrower than the type
    public void MatchesRequantMath(int accBits, int mb, int outBits, bool signed, long lo, long hi)
    {
        var rng = new Random(accBits * 1000 + mb);
        long accMin = -(1L << (accBits - 1)), accMax = (1L << (accBits - 1)) - 1, m0Max = (1L << mb) - 1;
        var rows = new List<(long Acc, long M0, int K)>();
        long[] accs = [accMin, accMax, 0, -1, 1, accMin + 1];
        long[] m0s = [0, 1, m0Max, m0Max - 1];
        int[] ks = [1, 2, 62, 61, accBits + mb, accBits + mb + 1, accBits + mb + 2];
        foreach (var a in accs) foreach (var m in m0s) foreach (var k in ks) if (k <= 62) rows.Add((a, m, k));
        for (int i = 0; i < 1500; i++)
        {
            long a = i % 3 == 0 ? rng.NextInt64(-64, 64) : rng.NextInt64(accMin, accMax + 1);
            long m = i % 5 == 0 ? m0Max : rng.NextInt64(0, m0Max + 1);
            int k = i % 7 == 0 ? 62 : rng.Next(1, Math.Min(62, accBits + mb + 3) + 1);
            rows.Add((a, m, k));
        }

        var dir = HdlTestKit.NewTempDir("requant");
        var vec = Path.Combine(dir, "vectors.txt");
        var outFile = Path.Combine(dir, "out.txt");
        File.WriteAllLines(vec, rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Acc} {r.M0} {r.K}")));
        HdlTestKit.RunIverilog(dir, "tb_requant", ["tb/tb_requant.v", "requant.v"],
            new Dictionary<string, string>
            {
                ["ACC_BITS"] = accBits.ToString(CultureInfo.InvariantCulture),
                ["MB"] = mb.ToString(CultureInfo.InvariantCulture),
                ["OUT_BITS"] = outBits.ToString(CultureInfo.InvariantCulture),
                ["LO"] = lo.ToString(CultureInfo.InvariantCulture),
                ["HI"] = hi.ToString(CultureInfo.InvariantCulture),
            },
            [$"+vectors={vec}", $"+out={outFile}"]);

        var got = HdlTestKit.ReadRows(outFile);
        Assert.Equal(rows.Count, got.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            var (a, m, k) = rows[i];
            long expected = RequantMath.Apply(a, m, k, lo, hi);
            long actual = signed ? HdlTestKit.SignExtend(got[i][0], outBits) : got[i][0];
            Assert.True(expected == actual, $"row {i}: acc={a} M0={m} k={k}: expected {expected}, RTL gave {actual}");
        }
        Directory.Delete(dir, true);
    }
}
