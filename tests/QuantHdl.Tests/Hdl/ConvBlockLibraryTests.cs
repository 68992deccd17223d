using System.Text.RegularExpressions;
using QuantHdl.Verification.Verilator;

namespace QuantHdl.Tests.Hdl;

/// <summary>
/// The convolution blocks of hdl/ (swu.v, maxpool.v, pool_sum.v and their pool_window.v) are lint clean
/// under Verilator -Wall for several parameter sets, and Yosys synthesizes each; the line buffer of the
/// sliding-window unit maps to distributed RAM, not flip-flops.
/// </summary>
public sealed partial class ConvBlockLibraryTests
{
    private static string[] Files(string top) => top switch
    {
        "swu" => ["swu.v", "axis_fifo.v"],
        "maxpool" => ["maxpool.v", "pool_window.v", "axis_fifo.v"],
        "pool_sum" => ["pool_sum.v", "pool_window.v", "requant.v", "axis_fifo.v"],
        "pool_window" => ["pool_window.v"],
        _ => throw new ArgumentException($"no file list for block {top}; add one to ConvBlockLibraryTests.Files"),
    };

    [Theory]
    [InlineData("swu", new string[0])]
    [InlineData("swu", new[] { "-GK=1", "-GSTRIDE=2", "-GPAD=0", "-GH=7", "-GW=7" })]
    [InlineData("swu", new[] { "-GH=16", "-GW=16", "-GC=16", "-GSIMD=4", "-GK=5", "-GPAD=2", "-GSTRIDE=2" })]
    [InlineData("swu", new[] { "-GH=2", "-GW=2", "-GC=1", "-GK=3" })]
    [InlineData("swu", new[] { "-GH=28", "-GW=28", "-GC=1", "-GK=5", "-GPAD=0", "-GELEM_BITS=8" })]
    [InlineData("maxpool", new string[0])]
    [InlineData("maxpool", new[] { "-GH=5", "-GW=7", "-GC=6", "-GLANES=3", "-GK=2" })]
    [InlineData("maxpool", new[] { "-GK=1", "-GC=1" })]
    [InlineData("maxpool", new[] { "-GH=3", "-GW=3", "-GK=3", "-GC=16", "-GLANES=16" })]
    [InlineData("pool_sum", new string[0])]
    [InlineData("pool_sum", new[] { "-GH=7", "-GW=7", "-GKH=7", "-GKW=7", "-GC=8", "-GLANES=4", "-GSUM_BITS=14" })]
    [InlineData("pool_sum", new[] { "-GLANES=2", "-GOUT_BITS=4", "-GMB=32", "-GM0=64'd4000000000", "-GSHIFT=40" })]
    [InlineData("pool_window", new[] { "-GOP=1", "-GACC_BITS=12" })]
    public void LintCleanUnderVerilatorWall(string top, string[] parameters)
    {
        var dir = HdlTestKit.NewTempDir("lint");
        var r = ExternalTool.Run("verilator",
            ["--lint-only", "-Wall", "--top-module", top, .. parameters, .. Files(top).Select(HdlTestKit.HdlFile)], dir, TimeSpan.FromMinutes(2));
        Assert.True(r.ExitCode == 0 && r.Stderr.Trim().Length == 0, $"verilator lint of {top} {string.Join(' ', parameters)}:\n{r.Stderr}");
        Directory.Delete(dir, true);
    }

    [Fact]
    public void SwuLineBufferMapsToDistributedRam()
    {
        // 8x8x4 at SIMD 2, K = 3, stride 1: R = 4 rows of 16 words of 16 bits. Xilinx 7-series flow
        // without DSPs; the buffer must come out as LUTRAM (RAM32M/RAM64M/...) or block RAM.
        var stat = Synthesize("swu", "-set H 8 -set W 8 -set C 4 -set K 3 -set STRIDE 1 -set PAD 1 -set SIMD 2",
            "synth_xilinx -family xc7 -nodsp -top swu");
        Assert.Matches(RamCell(), stat);
    }

    [Theory]
    [InlineData("maxpool", "-set H 6 -set W 6 -set C 4 -set K 2 -set LANES 2")]
    [InlineData("pool_sum", "-set H 4 -set W 4 -set C 4 -set KH 2 -set KW 2 -set LANES 2 -set SUM_BITS 10")]
    public void PoolUnitsSynthesize(string top, string chparam)
    {
        var stat = Synthesize(top, chparam, $"synth -top {top}");
        // A design that optimized away to nothing would also "synthesize": require its registers.
        Assert.Matches(FlipFlop(), stat);
    }

    /// <summary>Runs Yosys on the block and returns the text of its final `stat`.</summary>
    private static string Synthesize(string top, string chparam, string synth)
    {
        var dir = HdlTestKit.NewTempDir("yosys");
        var script = $"read_verilog -sv {string.Join(' ', Files(top).Select(HdlTestKit.HdlFile))}; chparam {chparam} {top}; {synth}; stat";
        var r = ExternalTool.RunChecked("yosys", ["-p", script], dir, TimeSpan.FromMinutes(4));
        Directory.Delete(dir, true);
        return r.Stdout[r.Stdout.LastIndexOf("Printing statistics", StringComparison.Ordinal)..];
    }

    [GeneratedRegex(@"\b(RAM32M|RAM64M|RAM32X1D|RAM64X1D|RAM128X1D|RAM256X1D|RAMB18E1|RAMB36E1)\s+\d+")]
    private static partial Regex RamCell();

    [GeneratedRegex(@"\$_DFF|\$_SDFF|\bFD[RSCP]E\b")]
    private static partial Regex FlipFlop();
}
