using System.Text.RegularExpressions;
using QuantHdl.Verification.Verilator;

namespace QuantHdl.Tests.Hdl;

/// <summary>The hdl/ library is lint clean under Verilator -Wall and POST/POT MACs use no multiplier (Yosys).</summary>
public sealed partial class HdlLibraryTests
{
    private static readonly string[] MvuFiles =
        ["mvu.v", "requant.v", "post_lane.v", "post_term.v", "pot_term.v", "uniform_term.v", "add_tree.v", "neg_count.v", "axis_fifo.v"];

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
    [InlineData("mvu", new[] { "-GWEIGHT_MODE=2" })]
    [InlineData("mvu", new[] { "-GWEIGHT_MODE=1" })]
    [InlineData("mvu", new[] { "-GWEIGHT_MODE=0", "-GW_BITS=8" })]
    [InlineData("mvu", new[] { "-GSIMD=1", "-GPE=1" })]
    [InlineData("mvu", new[] { "-GSIMD=16", "-GPE=8", "-GOUT_BITS=16" })]
    public void LintCleanUnderVerilatorWall(string top, string[] parameters)
    {
        var files = top == "mvu" ? MvuFiles : [top + ".v"];
        var dir = HdlTestKit.NewTempDir("lint");
        var r = ExternalTool.Run("verilator",
            ["--lint-only", "-Wall", "--top-module", top, .. parameters, .. files.Select(HdlTestKit.HdlFile)], dir, TimeSpan.FromMinutes(2));
        Assert.True(r.ExitCode == 0 && r.Stderr.Trim().Length == 0, $"verilator lint of {top} {string.Join(' ', parameters)}:\n{r.Stderr}");
        Directory.Delete(dir, true);
    }

    [Theory]
    // SF = 16/4 = 4 >= PE = 2: one requant multiplier shared by the PE channels.
    [InlineData(2, 4, 4, 1)] // POST: only the shared requant multiplier
    [InlineData(1, 4, 4, 1)] // POT: the same
    [InlineData(0, 8, 4, 9)] // uniform: SIMD*PE term multipliers plus the shared requant one
    // SF = 16/16 = 1 < PE = 2: one requant multiplier per PE.
    [InlineData(2, 4, 16, 2)] // POST: only the PE requant multipliers
    [InlineData(0, 8, 16, 34)] // uniform: SIMD*PE term multipliers plus the PE requant ones
    public void OnlyUniformMacsUseMultipliers(int mode, int wBits, int simd, int expectedMuls)
    {
        var dir = HdlTestKit.NewTempDir("yosys");
        var script = $"read_verilog -sv {string.Join(' ', MvuFiles.Select(HdlTestKit.HdlFile))}; " +
                     $"chparam -set IN 16 -set OUT 8 -set SIMD {simd} -set PE 2 -set WEIGHT_MODE {mode} -set W_BITS {wBits} mvu; " +
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
