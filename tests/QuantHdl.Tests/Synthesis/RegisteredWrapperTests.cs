using QuantHdl.Hardware;
using QuantHdl.Hardware.Estimates;
using QuantHdl.Tests.Hdl;
using QuantHdl.Verification.Synthesis;
using QuantHdl.Verification.Verilator;

namespace QuantHdl.Tests.Synthesis;

/// <summary>
/// The place-and-route wrapper connects exactly the ports the module has when synthesized with no macro defined: the
/// top level's QH_TAPS and QH_STALLS ports are not there, and the wrapper with the design elaborates in Icarus.
/// </summary>
public sealed class RegisteredWrapperTests
{
    [Fact]
    public void TheWrapperOfTheTopLevelElaboratesWithoutTheTapAndStallPorts()
    {
        var g = LayerSuite.Graph(LayerSuite.Pinned[0]);
        var dir = HdlTestKit.NewTempDir("wrap-top");
        var design = RtlEmitter.Emit(g, dir);
        string top = File.ReadAllText(Path.Combine(dir, "rtl", design.TopModule + ".v"));
        Assert.Contains("tap_", top);
        string wrapper = RegisteredWrapper.For(top, design.TopModule);
        Assert.DoesNotContain("tap_", wrapper);
        Assert.DoesNotContain("qh_stall_", wrapper);
        File.WriteAllText(Path.Combine(dir, "wrap.v"), wrapper);
        var files = design.RtlFiles.Where(f => !f.EndsWith("axis_stall.v", StringComparison.Ordinal)).Select(f => Path.Combine(dir, f)).Append(Path.Combine(dir, "wrap.v"));
        // Icarus refuses a named connection to a port the instantiated module does not have.
        var r = ExternalTool.Run("iverilog", new[] { "-g2012", "-o", Path.Combine(dir, "w.vvp"), "-s", RegisteredWrapper.ModuleName }.Concat(files).ToArray(), dir, TimeSpan.FromMinutes(2));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void UndefinedKeepsTheBranchesTakenWithNoMacroDefined()
    {
        const string text = "a\n`ifdef X\nb\n`ifndef Y\nc\n`endif\n`else\nd\n`ifndef Z\ne\n`else\nf\n`endif\n`endif\n`ifdef P\ng\n`elsif Q\nh\n`else\ni\n`endif\nj\n";
        Assert.Equal(new[] { "a", "d", "e", "i", "j" }, RegisteredWrapper.Undefined(text).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Throws<ArgumentException>(() => RegisteredWrapper.Undefined("`ifdef X\nb\n"));
    }

    [Fact]
    public void NextpnrsNoBelsLeftIsADoesNotFitReasonInOneLineAndOtherErrorsAreNot()
    {
        // Both lines as nextpnr-ice40 printed them for the demo's fc1 (LCs) and a 16384 x 16 ROM (RAMs) on hx8k.
        const string lc = "Warning: No PCF file specified; IO pins will be placed automatically\nERROR: Unable to place cell 'u_dut.u_mvu.u_macs.g_post.lane1_SB_DFFSR_Q_207_R_SB_LUT4_O_I2_SB_LUT4_O_I1_SB_LUT4_O_I2_SB_LUT4_O_LC', no BELs remaining to implement cell type 'ICESTORM_LC'\n1 warning, 1 error\n";
        const string ram = "ERROR: Unable to place cell 'mem.0.22_RAM', no BELs remaining to implement cell type 'ICESTORM_RAM'\n";
        // The long generated cell name keeps its last 32 characters.
        Assert.Equal("Unable to place cell '...4_O_I1_SB_LUT4_O_I2_SB_LUT4_O_LC', no BELs remaining to implement cell type 'ICESTORM_LC'", Synthesizer.NotFitReason(lc));
        Assert.DoesNotContain('\n', Synthesizer.NotFitReason(lc)!);
        Assert.True(Synthesizer.NotFitReason(lc)!.Length < 140);
        Assert.Equal("Unable to place cell 'mem.0.22_RAM', no BELs remaining to implement cell type 'ICESTORM_RAM'", Synthesizer.NotFitReason(ram));
        Assert.Null(Synthesizer.NotFitReason("ERROR: Failed to parse JSON file 'net.json'\n"));
    }
}
