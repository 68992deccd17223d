using System.Text;
using QuantHdl.Hardware;
using QuantHdl.Compiler.Ir;
using QuantHdl.Verification.Verilator;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Hdl;

/// <summary>
/// The emitted Verilog: byte-for-byte snapshots of tiny hand-made graphs (set QUANTHDL_UPDATE_SNAPSHOTS=1 to
/// rewrite them after a deliberate change), determinism, Verilator lint of the whole design, and the
/// up-front rejection of what the RTL cannot build.
/// </summary>
public sealed class RtlEmitterTests
{
    public static TheoryData<string> Specs => new() { "post:4", "pot:4", "uniform:8" };

    [Theory]
    [MemberData(nameof(Specs))]
    public void GeneratedFilesMatchSnapshots(string spec)
    {
        var g = TinyGraphs.Make(spec);
        var files = new RtlEmitter().Render(g, out _);
        var dir = Path.Combine(RepoRoot(), "tests", "QuantHdl.Tests", "Hdl", "Snapshots", g.Name);
        bool update = Environment.GetEnvironmentVariable("QUANTHDL_UPDATE_SNAPSHOTS") == "1";
        // The copied hdl/ and sim/ sources have their own tests; the snapshots hold what is generated.
        var generated = files.Where(f => !RtlEmitter.MvuBlocks.Any(b => f.Path == "rtl/" + b)
                                         && !RtlEmitter.HarnessSources.Any(s => f.Path == "sim/" + s)).ToList();
        foreach (var (path, text) in generated)
        {
            var snap = Path.Combine(dir, path.Replace('/', '_') + ".snap");
            if (update)
            {
                Directory.CreateDirectory(dir);
                File.WriteAllText(snap, text);
                continue;
            }
            Assert.True(File.Exists(snap), $"snapshot {snap} is missing; run the tests with QUANTHDL_UPDATE_SNAPSHOTS=1 and review the new file");
            Assert.True(File.ReadAllText(snap) == text, $"{path} of {g.Name} differs from {snap}; if the change is intended, rerun with QUANTHDL_UPDATE_SNAPSHOTS=1 and review the diff");
        }
        if (!update)
        {
            var expected = generated.Select(f => f.Path.Replace('/', '_') + ".snap").Order().ToArray();
            var present = Directory.GetFiles(dir).Select(Path.GetFileName).Order().ToArray();
            Assert.Equal(expected, present);
        }
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void SameIrGivesSameBytes(string spec)
    {
        var a = new RtlEmitter().Render(TinyGraphs.Make(spec), out _);
        var b = new RtlEmitter().Render(TinyGraphs.Make(spec), out _);
        Assert.Equal(a.Select(f => f.Path), b.Select(f => f.Path));
        Assert.Equal(a.Select(f => f.Text), b.Select(f => f.Text));
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void EmittedDesignIsLintCleanWithAndWithoutTaps(string spec)
    {
        var dir = HdlTestKit.NewTempDir("emit");
        var design = RtlEmitter.Emit(TinyGraphs.Make(spec), dir);
        Assert.True(File.Exists(Path.Combine(dir, "design.json")));
        var sources = design.RtlFiles.Select(f => Path.Combine(dir, f)).ToList();
        // The synthesized design, the tapped one, and the verification build with the stall shims.
        foreach (var defines in new[] { new[] { "-DQH_TAPS" }, ["-DQH_NO_TAPS"], ["-DQH_TAPS", "-DQH_STALLS"], ["-DQH_STALLS"] })
        {
            var r = ExternalTool.Run("verilator", ["--lint-only", "-Wall", .. defines, "--top-module", design.TopModule, .. sources], dir, TimeSpan.FromMinutes(2));
            Assert.True(r.ExitCode == 0 && r.Stderr.Trim().Length == 0, $"lint of {design.TopModule} {string.Join(' ', defines)}:\n{r.Stderr}");
        }
        Directory.Delete(dir, true);
    }

    [Theory]
    [InlineData("post:4", 2)]    // the requant multipliers only: one each in fc1 (SF 4 >= PE 2, shared) and fc2 (PE 1)
    [InlineData("pot:4", 2)]
    [InlineData("uniform:8", 10)] // plus one per term: 2x2 in fc1, 4x1 in fc2
    public void EmittedDesignSynthesizesWithYosys(string spec, int expectedMuls)
    {
        var dir = HdlTestKit.NewTempDir("synth");
        var design = RtlEmitter.Emit(TinyGraphs.Make(spec), dir);
        var sources = string.Join(' ', design.RtlFiles.Select(f => Path.Combine(dir, f)));
        var stat = Path.Combine(dir, "stat.txt");
        var script = $"read_verilog -sv {sources}; hierarchy -check -top {design.TopModule}; proc; flatten; opt; wreduce; " +
                     $"tee -q -o {stat} stat; synth -top {design.TopModule} -run coarse:fine";
        ExternalTool.RunChecked("yosys", ["-q", "-p", script], dir, TimeSpan.FromMinutes(3));
        var m = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(stat), @"\$mul\s+(\d+)");
        Assert.Equal(expectedMuls, m.Success ? int.Parse(m.Groups[1].Value) : 0);
        Directory.Delete(dir, true);
    }

    [Theory]
    [InlineData("post:4")]
    [InlineData("uniform:4")]
    public void AnEmittedCnnIsLintCleanAndSynthesizes(string spec)
    {
        var dir = HdlTestKit.NewTempDir("emit-cnn");
        var g = QuantHdl.Tests.Verify.CnnGraphs.Small(WeightSpec.Parse(spec), 21);
        var design = RtlEmitter.Emit(g, dir);
        var sources = design.RtlFiles.Select(f => Path.Combine(dir, f)).ToList();
        foreach (var defines in new[] { new[] { "-DQH_NO_TAPS" }, ["-DQH_TAPS", "-DQH_STALLS"] })
        {
            var r = ExternalTool.Run("verilator", ["--lint-only", "-Wall", .. defines, "--top-module", design.TopModule, .. sources], dir, TimeSpan.FromMinutes(2));
            Assert.True(r.ExitCode == 0 && r.Stderr.Trim().Length == 0, $"lint of {design.TopModule} {string.Join(' ', defines)}:\n{r.Stderr}");
        }
        var stat = Path.Combine(dir, "stat.txt");
        var script = $"read_verilog -sv {string.Join(' ', sources)}; hierarchy -check -top {design.TopModule}; proc; flatten; opt; wreduce; " +
                     $"tee -q -o {stat} stat; synth -top {design.TopModule} -run coarse:fine";
        ExternalTool.RunChecked("yosys", ["-q", "-p", script], dir, TimeSpan.FromMinutes(4));
        var m = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(stat), @"\$mul\s+(\d+)");
        int muls = m.Success ? int.Parse(m.Groups[1].Value) : 0;
        // Requant multipliers: conv1 and conv2 share one each (SF >= PE), fc1 has PE = 3 (SF 2 < PE),
        // gap1 one per lane (4): 9. Uniform weights add one per term: conv1 2x2, conv2 1x4, fc1 2x3.
        Assert.Equal(spec.StartsWith("post", StringComparison.Ordinal) ? 9 : 9 + 14, muls);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void RejectsABranchNamingTheNode()
    {
        var g = TinyGraphs.Make("post:4");
        var fc2 = g.Nodes[2] with { Inputs = ["x"], Op = ((DenseOp)g.Nodes[2].Op) with { In = 8, Weights = new int[16] } };
        var bad = g with { Nodes = [g.Nodes[0], g.Nodes[1], fc2] };
        var e = Assert.Throws<IrException>(() => new RtlEmitter().Render(bad, out _));
        Assert.Contains("fc2", e.Message);
    }

    [Fact]
    public void RejectsAWidePostTableNamingTheLayer()
    {
        var g = TinyGraphs.Make("post:4");
        var input = g.Nodes[0] with { Op = new InputOp(), OutType = IntType.U(13) };
        var fc1 = g.Nodes[1];
        var d = (DenseOp)fc1.Op;
        fc1 = fc1 with { Op = d with { AccBits = AccumulatorBound.RequiredBits(d.Matrix, IntType.U(13)) } };
        var bad = g with { Nodes = [input, fc1, g.Nodes[2]] };
        var e = Assert.Throws<IrException>(() => new RtlEmitter().Render(bad, out _));
        Assert.Contains("layer fc1", e.Message);
        Assert.Contains("13", e.Message);
    }

    [Theory]
    [InlineData(4, true)]   // 2^12 x (12 + 4) = 65536 bits: exactly Verilator's constant limit
    [InlineData(6, false)]  // 2^12 x 18 = 73728 bits: found by `quanthdl fuzz` (case 8287921641858209889) as a Verilator build error
    public void APostTableAboveVerilatorsConstantLimitIsRejectedUpFront(int fracBits, bool fits)
    {
        var g = TinyGraphs.Make("post:4");
        var u12 = IntType.U(12);
        var input = g.Nodes[0] with { Op = new InputOp(), OutType = u12 };
        var d = ((DenseOp)g.Nodes[1].Op) with { SqrtFracBits = fracBits };
        var fc1 = g.Nodes[1] with { Op = d with { AccBits = AccumulatorBound.RequiredBits(d.Matrix, u12) } };
        var graph = g with { Nodes = [input, fc1, g.Nodes[2]] };
        IrValidator.Check(graph);
        if (!fits)
        {
            var e = Assert.Throws<IrException>(() => new RtlEmitter().Render(graph, out _));
            Assert.Contains("layer fc1", e.Message);
            Assert.Contains("73728 bits", e.Message);
            return;
        }
        var dir = HdlTestKit.NewTempDir("emit-table");
        var design = RtlEmitter.Emit(graph, dir);
        Assert.Contains("65536'h", File.ReadAllText(Path.Combine(dir, "rtl", "tiny_post_fc1.v")));
        var r = ExternalTool.Run("verilator", ["--lint-only", "-DQH_TAPS", "-DQH_STALLS", .. VerilatorBuild.LimitFlags, "--top-module", design.TopModule, .. design.RtlFiles.Select(f => Path.Combine(dir, f))], dir, TimeSpan.FromMinutes(2));
        Assert.True(r.ExitCode == 0, $"verilator rejects the 65536-bit table:\n{r.Stderr[..Math.Min(2000, r.Stderr.Length)]}");
        Directory.Delete(dir, true);
    }

    [Fact]
    public void RejectsAFoldThatDoesNotDivide()
    {
        var g = TinyGraphs.Make("uniform:8");
        var fc1 = g.Nodes[1];
        var bad = g with { Nodes = [g.Nodes[0], fc1 with { Op = ((DenseOp)fc1.Op) with { Fold = new Folding(3, 2) } }, g.Nodes[2]] };
        var e = Assert.Throws<IrException>(() => new RtlEmitter().Render(bad, out _));
        Assert.Contains("fc1", e.Message);
        Assert.Contains("SIMD 3", e.Message);
    }

    [Fact]
    public void StrictTemplateRejectsUnknownAndUnusedKeys()
    {
        var t = new StrictTemplate("t.hbs", "a={{a}}{{#each items}}[{{v}}]{{/each}}\n");
        var ok = new TemplateModel { ["a"] = "1", ["items"] = new List<TemplateModel> { new() { ["v"] = "2" } } };
        Assert.Equal("a=1[2]\n", t.Render(ok));
        var unused = new TemplateModel { ["a"] = "1", ["items"] = new List<TemplateModel>(), ["b"] = "3" };
        Assert.Contains("'b'", Assert.Throws<InvalidOperationException>(() => t.Render(unused)).Message);
        var missing = new TemplateModel { ["items"] = new List<TemplateModel>() };
        Assert.ThrowsAny<Exception>(() => t.Render(missing));
        var number = new TemplateModel { ["a"] = 1, ["items"] = new List<TemplateModel>() };
        Assert.Contains("string", Assert.Throws<InvalidOperationException>(() => t.Render(number)).Message);
    }

    internal static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "QuantHdl.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("QuantHdl.sln not found above " + AppContext.BaseDirectory);
    }

    internal static string Utf8(byte[] b) => Encoding.UTF8.GetString(b);
}
