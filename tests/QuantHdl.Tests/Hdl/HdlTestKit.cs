using QuantHdl.Hardware;
using QuantHdl.Verification.Verilator;

namespace QuantHdl.Tests.Hdl;

/// <summary>Runs the block testbenches of hdl/tb with Icarus Verilog. A missing simulator fails the test.</summary>
internal static class HdlTestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public static string HdlFile(string name) => Path.Combine(RtlAssets.Locate().HdlDir, name);

    public static string NewTempDir(string tag)
    {
        var dir = Path.Combine(Path.GetTempPath(), "quanthdl-tests", $"{tag}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Compiles <paramref name="top"/> from hdl files with parameter overrides and runs it with plusargs.</summary>
    public static ToolResult RunIverilog(string workDir, string top, IEnumerable<string> hdlFiles, IReadOnlyDictionary<string, string> parameters, IEnumerable<string> plusargs)
    {
        var run = RunIverilogUnchecked(workDir, top, hdlFiles, parameters, plusargs);
        Assert.DoesNotContain("FATAL", run.Stdout);
        Assert.DoesNotContain("TIMEOUT", run.Stdout);
        return run;
    }

    /// <summary>As <see cref="RunIverilog"/>, but leaves the bench's FATAL and TIMEOUT lines to the caller.</summary>
    public static ToolResult RunIverilogUnchecked(string workDir, string top, IEnumerable<string> hdlFiles, IReadOnlyDictionary<string, string> parameters, IEnumerable<string> plusargs)
    {
        var exe = Path.Combine(workDir, top + ".vvp");
        // -I: the benches `include hdl/tb/tb_common.vh.
        var args = new List<string> { "-g2012", "-I", HdlFile("tb"), "-o", exe, "-s", top };
        foreach (var (k, v) in parameters) args.Add($"-P{top}.{k}={v}");
        args.AddRange(hdlFiles.Select(HdlFile));
        // iverilog reports a bad -P value on stderr but still exits 0.
        var compile = ExternalTool.RunChecked("iverilog", args, workDir, Timeout);
        Assert.True(!compile.Stderr.Contains("error", StringComparison.OrdinalIgnoreCase), $"iverilog: {compile.Stderr}");
        return ExternalTool.RunChecked("vvp", new[] { "-n", exe }.Concat(plusargs), workDir, Timeout);
    }

    /// <summary>
    /// Plusargs for a tb_common.vh bench that is expected to stop at elaboration: a one-element +xin and
    /// an +out file, so that the block's own FATAL line, not the bench's, is what ends the run.
    /// </summary>
    public static string[] IdlePlusargs(string dir)
    {
        File.WriteAllText(Path.Combine(dir, "x.hex"), "0\n");
        return [$"+xin={Path.Combine(dir, "x.hex")}", $"+out={Path.Combine(dir, "out.txt")}"];
    }

    /// <summary>Reads whitespace-separated integers, one row per non-empty line.</summary>
    public static List<long[]> ReadRows(string path) =>
        File.ReadAllLines(path).Where(l => l.Trim().Length > 0)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray()).ToList();

    /// <summary>
    /// The beats of a stream (§1) as the tb_common.vh sink writes them, "tlast e0 e1 ...": the elements in
    /// order, <paramref name="lanes"/> per beat, tlast on the last beat of every <paramref name="frameLen"/> elements.
    /// </summary>
    public static List<long[]> StreamBeats(IReadOnlyList<long> elements, int lanes, int frameLen)
    {
        var beats = new List<long[]>();
        for (int start = 0; start < elements.Count; start += lanes)
        {
            bool last = (start + lanes) % frameLen == 0;
            beats.Add([last ? 1 : 0, .. Enumerable.Range(start, lanes).Select(i => elements[i])]);
        }
        return beats;
    }

    /// <summary>Asserts that every beat, tlast and elements, is equal; names the first differing beat.</summary>
    public static void AssertSameBeats(List<long[]> expected, List<long[]> actual, string what)
    {
        Assert.True(expected.Count == actual.Count, $"{what}: expected {expected.Count} beats, RTL gave {actual.Count}");
        for (int b = 0; b < expected.Count; b++)
            Assert.True(expected[b].SequenceEqual(actual[b]),
                $"{what}, beat {b}: expected [{string.Join(' ', expected[b])}], RTL gave [{string.Join(' ', actual[b])}]");
    }

    /// <summary>The "CYCLES n" line of a tb_common.vh bench: cycles from reset release to the last output beat.</summary>
    public static int Cycles(ToolResult run) =>
        int.Parse(run.Stdout.Split('\n').Single(l => l.StartsWith("CYCLES ", StringComparison.Ordinal))[7..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Two's complement reading of the low <paramref name="bits"/> of a raw value.</summary>
    public static long SignExtend(long raw, int bits) => bits == 64 ? raw : (raw << (64 - bits)) >> (64 - bits);
}
