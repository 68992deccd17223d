using System.Text.RegularExpressions;
using QuantHdl.Verification.Verilator;

namespace QuantHdl.Tests.Hdl;

/// <summary>The hdl/ library is lint clean under Verilator -Wall and POST/POT MACs use no multiplier (Yosys).</summary>
public sealed partial class HdlLibraryTests
{
    private static readonly string[] MvuFiles =
        ["mvu.v", "mac_array.v", "requant.v", "post_lane.v", "post_term.v", "pot_term.v", "uniform_term.v", "add_tree.v", "neg_count.v", "axis_fifo.v"];

    [Theory]
    [InlineData("requant", new string[0])]
    [InlineData("requant", new[] { "-GACC_BITS=47", "-GMB=16", "-GOUT_BITS=16" })]
    [InlineData("post_lane", new string[0])]
    [InlineData("post_term", new[] { "-GW_BITS=3" })]
    [InlineData("pot_term", new[] { "-GW_BITS=5" })]
    [InlineData("uniform_term", new string[0])]
    [InlineData("add_tree", new[] { "-GN=5" })]
    [InlineData("neg_count", new[] { "-GN=1" })]
    [InlineData("axis_fifo", new string[0])]
    [InlineData("axis_dwc", new string[0])]
    [InlineData("axis_stall", new string[0])]
    [InlineData("axis_stall", new[] { "-GDATA_BITS=1" })]
    [InlineData("axis_dwc", new[] { "-GIN_LANES=3", "-GOUT_LANES=4", "-GVEC_LEN=24" })]
    [InlineData("axis_dwc", new[] { "-GIN_LANES=16", "-GOUT_LANES=1", "-GVEC_LEN=16" })]
    // mvu.v with its defaults, which are consistent among themselves (post:4, SIMD 4, PE 2).
    [InlineData("mvu", new string[0])]
    public void LintCleanUnderVerilatorWall(string top, string[] parameters) => Lint(top, top == "mvu" ? MvuFiles : [top + ".v"], parameters);

    [Theory]
    [InlineData("post:4", 4, 2, 8)]    // SF = 4 >= PE = 2: one shared requant unit
    [InlineData("pot:4", 4, 2, 8)]
    [InlineData("uniform:8", 4, 2, 8)]
    [InlineData("post:4", 1, 1, 8)]    // PE = 1
    [InlineData("post:4", 16, 8, 16)]  // SF = 1 < PE = 8: one unit per PE
    [InlineData("uniform:4", 8, 4, 8)] // SF = 2 < PE = 4
    public void MvuLintCleanUnderVerilatorWall(string spec, int simd, int pe, int outBits) =>
        Lint("mvu", MvuFiles, MvuTestParameters.Random(spec, 16, 8, simd, pe, outBits: outBits).Select(p => $"-G{p.Key}={p.Value}").ToArray());

    private static void Lint(string top, string[] files, string[] parameters)
    {
        var dir = HdlTestKit.NewTempDir("lint");
        var r = ExternalTool.Run("verilator",
            ["--lint-only", "-Wall", "--top-module", top, .. parameters, .. files.Select(HdlTestKit.HdlFile)], dir, TimeSpan.FromMinutes(2));
        Assert.True(r.ExitCode == 0 && r.Stderr.Trim().Length == 0, $"verilator lint of {top} {string.Join(' ', parameters)}:\n{r.Stderr}");
        Directory.Delete(dir, true);
    }

    [Theory]
    // SF = 16/4 = 4 >= PE = 2: one requant multiplier shared by the PE channels.
    [InlineData("post:4", 4, 1)]    // POST: only the shared requant multiplier
    [InlineData("pot:4", 4, 1)]     // POT: the same
    [InlineData("uniform:8", 4, 9)] // uniform: SIMD*PE term multipliers plus the shared requant one
    // SF = 16/16 = 1 < PE = 2: one requant multiplier per PE.
    [InlineData("post:4", 16, 2)]    // POST: only the PE requant multipliers
    [InlineData("uniform:8", 16, 34)] // uniform: SIMD*PE term multipliers plus the PE requant ones
    public void OnlyUniformMacsUseMultipliers(string spec, int simd, int expectedMuls)
    {
        var dir = HdlTestKit.NewTempDir("yosys");
        var chparam = string.Join(' ', MvuTestParameters.Random(spec, 16, 8, simd, 2).Select(p => $"-set {p.Key} {p.Value}"));
        var script = $"read_verilog -sv {string.Join(' ', MvuFiles.Select(HdlTestKit.HdlFile))}; " +
                     $"chparam {chparam} mvu; " +
                     "hierarchy -top mvu; proc; flatten; opt; wreduce; stat";
        var r = ExternalTool.RunChecked("yosys", ["-p", script], dir, TimeSpan.FromMinutes(2));
        var stat = r.Stdout[r.Stdout.LastIndexOf("Number of cells", StringComparison.Ordinal)..];
        var m = MulCount().Match(stat);
        int muls = m.Success ? int.Parse(m.Groups[1].Value) : 0;
        Assert.Equal(expectedMuls, muls);
        Directory.Delete(dir, true);
    }

    [GeneratedRegex(@"\$mul\s+(\d+)")]
    private static partial Regex MulCount();
}
