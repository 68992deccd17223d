using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using QuantHdl.Arithmetic;
using QuantHdl.Artifacts;
using QuantHdl.Compiler.Ir;
using QuantHdl.Hardware;

namespace QuantHdl.Tests.Hdl;

/// <summary>
/// The hardware decisions of <see cref="MvuLayout.Hardware"/> against values worked out by hand from
/// docs/integer-semantics.md §3 and §6 and the pipeline of hdl/mvu.v, and their record in design.json.
/// </summary>
public sealed partial class MvuHardwareTests
{
    /// <summary>A layer with zero weights: the decisions depend on its shape and widths only.</summary>
    private static MvuLayout Layer(string spec, int inSize, int outSize, int simd, int pe, int fracBits, int accBits, int mb) =>
        new(new DenseOp(inSize, outSize, WeightSpec.Parse(spec), fracBits, new int[inSize * outSize], new long[outSize],
            new Requant(new long[outSize], Enumerable.Repeat(1, outSize).ToArray(), 0, 255, mb), accBits, new Folding(simd, pe)));

    // Arguments: Sf, Nf, SF_W, NF_W, PE_W, W_ADDR_BITS, P_ADDR_BITS, PW, LEAVES, POST_LW, MAG_BITS, NEG_W, LEAF_W,
    // RQ_SHARED, PIPE_LAT, OF_DEPTH, CR_W, DWC, InLanes, SIMD.

    [Fact]
    public void Post4WithFourBitActivationsAndSharedRequant()
    {
        // post:4, a = 4, F = 8, 12 -> 6, SIMD 3 x PE 3, AccBits 20, MB 16, input beats of 6.
        // SF = 12/3 = 4, NF = 6/3 = 2; SF_W = 2, NF_W = 1, PE_W = ceil(log2 3) = 2; W_ADDR = log2(4*2) = 3, P_ADDR = 1.
        // PW = 20 + 16 + 6 = 42. LEAVES = 3 terms + 1 count = 4.
        // J = 2^3 - 2 = 6, H = 3: POST_LW = a + F = 12, MAG_BITS = 12 + 3 = 15; NEG_W = ceil(log2(3 + 1)) = 2;
        // LEAF_W = max(15, 2) + 1 = 16.
        // SF 4 >= PE 3 > 1: shared, PIPE_LAT = 6 + 3 = 9; 1 + ceil(9/4) = 4 credits, OF_DEPTH 4, CR_W = ceil(log2 5) = 3.
        // 6 input lanes != SIMD 3: a converter in front.
        var expected = new MvuHardware(4, 2, 2, 1, 2, 3, 1, 42, 4, 12, 15, 2, 16, true, 9, 4, 3, true, 6, 3);
        Assert.Equal(expected, Layer("post:4", 12, 6, 3, 3, 8, 20, 16).Hardware(4, 6));
    }

    [Fact]
    public void Uniform8WithSfBelowPe()
    {
        // uniform:8, a = 8, 16 -> 8, SIMD 8 x PE 4, AccBits 21, MB 16, input beats of 8.
        // SF = 2, NF = 2; SF_W = 1, NF_W = 1, PE_W = 2; W_ADDR = log2 4 = 2, P_ADDR = 1. PW = 21 + 16 + 6 = 43.
        // No lanes, magnitudes or count leaf: LEAVES = 8, LEAF_W = a + b = 16.
        // SF 2 < PE 4: one unit per PE, PIPE_LAT = 7; 1 + ceil(7/2) = 5 credits, OF_DEPTH 8, CR_W = ceil(log2 9) = 4.
        var expected = new MvuHardware(2, 2, 1, 1, 2, 2, 1, 43, 8, null, null, null, 16, false, 7, 8, 4, false, 8, 8);
        Assert.Equal(expected, Layer("uniform:8", 16, 8, 8, 4, 8, 21, 16).Hardware(8, 8));
    }

    [Fact]
    public void Pot5WithOnePe()
    {
        // pot:5, a = 6, 8 -> 4, SIMD 1 x PE 1, AccBits 26, MB 12, input beats of 2.
        // SF = 8, NF = 4; SF_W = 3, NF_W = 2, PE_W = 1 (at least 1); W_ADDR = log2 32 = 5, P_ADDR = 2. PW = 26 + 12 + 6 = 44.
        // J = 2^4 - 2 = 14: MAG_BITS = a + J = 20; NEG_W = ceil(log2 2) = 1; LEAF_W = 21; LEAVES = 1 + 1 = 2.
        // PE = 1: one unit, PIPE_LAT = 7; 1 + ceil(7/8) = 2 credits, OF_DEPTH 2, CR_W = ceil(log2 3) = 2.
        var expected = new MvuHardware(8, 4, 3, 2, 1, 5, 2, 44, 2, null, 20, 1, 21, false, 7, 2, 2, true, 2, 1);
        Assert.Equal(expected, Layer("pot:5", 8, 4, 1, 1, 8, 26, 12).Hardware(6, 2));
    }

    [Fact]
    public void Post3AtTheSharingLimitSfEqualsPe()
    {
        // post:3, a = 2, F = 4, 8 -> 8, SIMD 2 x PE 4, AccBits 10, MB 8, input beats of 4.
        // SF = 4, NF = 2; SF_W = 2, NF_W = 1, PE_W = 2; W_ADDR = 3, P_ADDR = 1. PW = 10 + 8 + 6 = 24. LEAVES = 3.
        // J = 2, H = 1: POST_LW = 6, MAG_BITS = 7; NEG_W = ceil(log2 3) = 2; LEAF_W = 8.
        // SF 4 >= PE 4: shared, PIPE_LAT = 10; 1 + ceil(10/4) = 4 credits, OF_DEPTH 4, CR_W 3.
        var expected = new MvuHardware(4, 2, 2, 1, 2, 3, 1, 24, 3, 6, 7, 2, 8, true, 10, 4, 3, true, 4, 2);
        Assert.Equal(expected, Layer("post:3", 8, 8, 2, 4, 4, 10, 8).Hardware(2, 4));
    }

    [Fact]
    public void TheDefaultsOfMvuVAreTheValuesForItsDefaultLayer()
    {
        // mvu.v's default layer: post:4, a = 8, F = 8, 16 -> 8, SIMD 4 x PE 2, AccBits 24, MB 16.
        // SF = NF = 4; SF_W = NF_W = 2, PE_W = 1; W_ADDR = 4, P_ADDR = 2; PW = 46; LEAVES = 5;
        // POST_LW = 16, MAG_BITS = 16 + 3 = 19, NEG_W = 3, LEAF_W = 20; shared (4 >= 2), PIPE_LAT = 8,
        // 1 + ceil(8/4) = 3 credits, OF_DEPTH 4, CR_W 3.
        var hw = Layer("post:4", 16, 8, 4, 2, 8, 24, 16).Hardware(8, 4);
        Assert.Equal(new MvuHardware(4, 4, 2, 2, 1, 4, 2, 46, 5, 16, 19, 3, 20, true, 8, 4, 3, false, 4, 4), hw);
        // Every derived parameter mvu.v declares has that default, so the block stays consistent on its own.
        var defaults = ParameterDefault().Matches(File.ReadAllText(HdlTestKit.HdlFile("mvu.v")))
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        foreach (var (name, value) in hw.VerilogParameters())
            Assert.True(defaults.TryGetValue(name, out var d) && d == value, $"mvu.v: parameter {name} defaults to {d ?? "nothing"}, C# gives {value}");
        // And mvu.v derives none of them itself.
        var localparams = Localparam().Matches(File.ReadAllText(HdlTestKit.HdlFile("mvu.v"))).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(["SF", "NF", "SLICE_BITS"], localparams);
        // mac_array.v, which holds the terms and trees, derives only the slice width and names the POST lane width.
        var macLocals = Localparam().Matches(File.ReadAllText(HdlTestKit.HdlFile("mac_array.v"))).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(["SLICE_BITS", "LW"], macLocals);
    }

    [Fact]
    public void VerilogParametersLeaveOutWhatTheWeightCodeDoesNotUse()
    {
        var uniform = Layer("uniform:8", 16, 8, 8, 4, 8, 21, 16).Hardware(8, 8).VerilogParameters().Select(p => p.Name);
        var pot = Layer("pot:5", 8, 4, 1, 1, 8, 26, 12).Hardware(6, 2).VerilogParameters().Select(p => p.Name);
        Assert.DoesNotContain("POST_LW", uniform);
        Assert.DoesNotContain("MAG_BITS", uniform);
        Assert.DoesNotContain("POST_LW", pot);
        Assert.Contains("MAG_BITS", pot);
    }

    [Fact]
    public void DesignJsonRecordsEveryLayerAndLoadsBack()
    {
        var dir = HdlTestKit.NewTempDir("design-json");
        var g = TinyGraphs.Make("post:4");
        var written = RtlEmitter.Emit(g, dir);
        var loaded = RtlDesign.Load(dir);
        Assert.Equal(["fc1", "fc2"], loaded.Layers.Select(l => l.Node));
        Assert.Equal(written.Layers, loaded.Layers);
        // fc1 reads the 2-lane input with SIMD 2; fc2 reads fc1's PE 2 beats with SIMD 4, through a converter.
        Assert.False(loaded.Layers[0].Mvu.Dwc);
        Assert.True(loaded.Layers[1].Mvu.Dwc);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void ADesignJsonWithoutLayersLoadsWithNone()
    {
        var dir = HdlTestKit.NewTempDir("design-json-old");
        RtlEmitter.Emit(TinyGraphs.Make("pot:4"), dir);
        var path = Path.Combine(dir, "design.json");
        var o = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        o.Remove("layers");
        File.WriteAllText(path, o.ToJsonString());
        var loaded = RtlDesign.Load(dir);
        Assert.Empty(loaded.Layers);
        Assert.Equal(3, loaded.Taps.Count);
        Directory.Delete(dir, true);
    }

    [Theory]
    [InlineData("pw", null, "layer fc1: field 'mvu.pw' is missing")]
    [InlineData("of_depth", 0, "layer fc1: field 'mvu.of_depth' is 0, must be at least 1")]
    [InlineData("leaf_w", -1, "layer fc1: field 'mvu.leaf_w' is -1, must be at least 1")]
    public void ABadLayerFieldIsNamedOnOneLine(string key, int? value, string message)
    {
        var dir = HdlTestKit.NewTempDir("design-json-bad");
        RtlEmitter.Emit(TinyGraphs.Make("uniform:8"), dir);
        var path = Path.Combine(dir, "design.json");
        var o = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var mvu = o["layers"]![0]!["mvu"]!.AsObject();
        if (value is int v) mvu[key] = v;
        else mvu.Remove(key);
        File.WriteAllText(path, o.ToJsonString());
        var e = Assert.Throws<MalformedFileException>(() => RtlDesign.Load(dir));
        Assert.Equal($"{path}: {message}; run 'quanthdl compile' again", e.Message);
        Directory.Delete(dir, true);
    }

    [GeneratedRegex(@"parameter integer ([A-Z_]+) = (\d+)")]
    private static partial Regex ParameterDefault();

    [GeneratedRegex(@"localparam integer ([A-Z_]+)")]
    private static partial Regex Localparam();
}
