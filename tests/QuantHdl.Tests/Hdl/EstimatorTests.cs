using System.Diagnostics;
using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Ir;
using QuantHdl.Compiler.Passes;
using QuantHdl.Hardware;
using QuantHdl.Hardware.Estimates;
using QuantHdl.Verification.Synthesis;
using QuantHdl.Verification.Verilator;

namespace QuantHdl.Tests.Hdl;

/// <summary>
/// The analytic estimator (docs/estimation.md): its mapping rules worked by hand, its speed, and its error against
/// Yosys on a pinned subset of the calibration suite (three small layers, one per weight code; cached by RTL hash
/// in the temp folder, so only the first run synthesizes).
/// </summary>
public class EstimatorTests
{
    private static readonly string Cache = Path.Combine(Path.GetTempPath(), "quanthdl-synth-cache");

    [Theory]
    // RAMB18 aspect ratios 16384x1, 8192x2, 4096x4, 2048x9, 1024x18, 512x36: the cheapest tiling.
    [InlineData(2048, 9, 1)]     // exactly 2048x9
    [InlineData(8192, 8, 4)]     // 8192x2 four times (or 2048x9 four deep)
    [InlineData(1000, 40, 3)]    // 1024x18 three wide beats 512x36 two by two
    [InlineData(512, 72, 2)]     // 512x36 twice
    [InlineData(16384, 3, 3)]    // 16384x1 three times
    public void BramTilesTheRomWithTheCheapestRamb18AspectRatio(int depth, int width, long blocks) =>
        Assert.Equal(blocks, MvuFeatures.BramBlocks(depth, width, FpgaFamily.Xc7));

    [Theory]
    [InlineData(4, 8, 8)]     // RAM32M: 32 x 6 in 4 LUTs, two for 8 bits
    [InlineData(32, 12, 8)]
    [InlineData(64, 6, 8)]    // RAM64M: 64 x 3, two for 6 bits
    [InlineData(128, 3, 8)]   // two banks of 64
    public void LutRamCountsRam32mAndRam64m(int depth, int width, long luts) =>
        Assert.Equal(luts, MvuFeatures.LutRamLuts(depth, width));

    [Theory]
    // What Yosys 0.23 did (docs/estimation.md "The MVU model"): p3a8-ser's 2048 x 3 weight ROM stayed in LUTs on xc7,
    // u8a4-bram's 8192 x 16 and the demo fc1's 784 x 256 went to RAMB18s; mlp:784-16-10's fc1 ROM, 196 x 256, went
    // to SB_RAM40_4K on iCE40.
    [InlineData("xc7", 2048, 3, false)]
    [InlineData("xc7", 8192, 16, true)]
    [InlineData("xc7", 784, 256, true)]
    [InlineData("ice40", 196, 256, true)]
    public void AWeightRomGoesToBlockRamWhenDeepOrWideAsYosysMapsIt(string family, int depth, int width, bool bram) =>
        Assert.Equal(bram, MvuFeatures.RomInBram(depth, width, CostTable.For(FpgaFamilies.Parse(family))));

    [Fact]
    public void TheDemoFc1sShallowWideRomAndItsInputBufferAreBlockRamOnXc7()
    {
        // Yosys 0.23 synth_xilinx on suite layer s4a4-demo-fc1 (784 -> 64, post:4, A4, 16x4): the 784 x 256 weight ROM
        // to 15 RAMB18 and the 128 x 64 xmem to one RAMB36 (2 RAMB18), 17 in all; 3,744 LUTs (slice LUTs with LUTRAM).
        // The old rules gave 0 BRAM (ROM in LUTs by depth, xmem in LUTRAM).
        var e = Calibration.Estimate(LayerSuite.Full.Single(c => c.Name == "s4a4-demo-fc1"), CostTable.Xc7);
        Assert.Equal(17, e.Bram);
        Assert.Equal(1, e.Dsp);
        Assert.InRange(e.Lut, (long)(0.75 * 3744), (long)(1.25 * 3744));
    }

    [Fact]
    public void OnIce40TheInputBufferIsBlockRamNotFlipFlops()
    {
        // mlp:784-16-10's fc1 (post:4, A4, 16x4): Yosys mapped xmem (128 words x 64 bits) and the 196 x 256 weight
        // ROM to 24 SB_RAM40_4K and kept 1,364 flip-flops (with the place-and-route wrapper's). The xmem alone is
        // 8,192 bits; counted as flip-flops, with the ROM in LUTs (the old rules), the estimate was 18,188 FF, 0 BRAM.
        var c = new LayerConfig("fc1", 784, 16, WeightSpec.Parse("post:4"), 4, 4, 16, 4);
        var e = Calibration.Estimate(c, CostTable.Ice40);
        Assert.True(e.Ff < 8192, $"FF {e.Ff}");
        // Within the 25% of Yosys' 1,364 (which also holds the wrapper's ~87 registers).
        Assert.InRange(e.Ff, (long)(0.75 * 1364), (long)(1.25 * 1364));
        // The two memories Yosys' log maps via $__ICE40_RAM4K_: 16 blocks of 256 x 16 for the weight ROM, 4 for the
        // buffer (128 x 64 as 256 x 16 tiles). (The trained build's parameter ROM is wider than this random one's;
        // there the estimate is 24 blocks, Yosys' count.)
        Assert.True(e.Bram >= 16 + 4, $"BRAM {e.Bram}");
    }

    [Fact]
    public void AUniformProductGoesToADspFromNineResultBitsOnXc7AndNeverOnIce40()
    {
        // u2a8: 10-bit products, SIMD 4 x PE 2 = 8 of them, and one shared requant multiplier (SF 8 >= PE 2).
        var c = new LayerConfig("x", 32, 16, WeightSpec.Parse("uniform:2"), 8, 8, 4, 2);
        Assert.Equal(8 + 1, Calibration.Estimate(c, CostTable.Xc7).Dsp);
        // u2a4: 6-bit products stay in LUTs.
        Assert.Equal(1, Calibration.Estimate(c with { ActBits = 4, OutBits = 4 }, CostTable.Xc7).Dsp);
        Assert.Equal(0, Calibration.Estimate(c, CostTable.Ice40).Dsp);
    }

    [Fact]
    public void TheWholeNetworkEstimateTakesUnder100Ms()
    {
        var g = PassPipeline.Run(QuantHdl.Tests.Verify.CnnGraphs.Small(new WeightSpec(WeightCode.Post, 4), 3), PassPipeline.Default(8));
        ResourceEstimator.Of(g, FpgaFamily.Xc7); // warm up
        var watch = Stopwatch.StartNew();
        var e = ResourceEstimator.Of(g, FpgaFamily.Xc7);
        Assert.True(watch.ElapsedMilliseconds < 100, $"{watch.ElapsedMilliseconds} ms");
        Assert.Equal(CycleModel.InitiationInterval(g).Cycles, e.InitiationInterval);
        Assert.Equal(e.Nodes.Sum(x => x.Estimate.Lut), e.Lut);
    }

    [Fact]
    public void AMissingToolIsOneLineNamingItsDebianPackage()
    {
        var e = Assert.Throws<ToolNotFoundException>(() => Synthesizer.Find("nextpnr-ice40-not-here"));
        Assert.Equal("'nextpnr-ice40-not-here' is not on PATH; install it with `apt-get install nextpnr-ice40-not-here`", e.Message);
    }

    [Fact]
    public void ThePinnedSuiteIsWithinTheErrorBoundsOfYosysAndARerunIsCached()
    {
        var synth = new Synthesizer(Cache, TimeSpan.FromMinutes(10));
        var rows = new List<CalibrationRow>();
        foreach (var c in LayerSuite.Pinned)
        {
            var g = LayerSuite.Graph(c);
            var job = LayerJobs.For(LayerJobs.Render(g), RtlEmitter.ModulePrefix(g.Name), LayerSuite.LayerNode, FpgaFamily.Xc7);
            synth.Run(job);
            var watch = Stopwatch.StartNew();
            var again = synth.Run(job);
            Assert.True(again.Cached && watch.Elapsed < TimeSpan.FromSeconds(1), $"{c.Name}: rerun not served from the cache");
            rows.Add(new CalibrationRow(c, Calibration.Estimate(c, CostTable.Xc7), again.Cells));
        }
        var table = Calibration.Table(rows);
        foreach (var r in rows)
        {
            Assert.True(Math.Abs(CalibrationRow.Error(r.Estimate.Lut, r.Synth.Lut)) <= 0.25, table);
            // FF does not yet meet the 10% goal on the suite (bench/README.md); the pinned bound is what it reaches.
            Assert.True(Math.Abs(CalibrationRow.Error(r.Estimate.Ff, r.Synth.Ff)) <= 0.25, table);
            Assert.Equal(r.Synth.Dsp, r.Estimate.Dsp);
            Assert.Equal(r.Synth.Bram, r.Estimate.Bram);
        }
    }
}
