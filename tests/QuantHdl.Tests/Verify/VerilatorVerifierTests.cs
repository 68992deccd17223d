using System.Text.Json.Nodes;
using QuantHdl.Golden;
using QuantHdl.Hardware;
using QuantHdl.Compiler.Ir;
using QuantHdl.Tests.Hdl;
using QuantHdl.Verification.Verilator;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Verify;

/// <summary>Emits, builds and runs the two end-to-end designs once; the tests share the results.</summary>
public sealed class E2eFixture : IDisposable
{
    public const int Samples = 48;

    /// <summary>Verilator builds survive test runs; they are keyed by a hash of every source.</summary>
    public static readonly string Cache = Path.Combine(Path.GetTempPath(), "quanthdl-tests", "verilator-cache");

    private readonly Dictionary<string, (IrGraph Graph, RtlDesign Design, long[][] Inputs, string Dir)> _designs = [];
    private readonly Dictionary<string, VerifyReport> _reports = [];
    private readonly object _gate = new();

    public (IrGraph Graph, RtlDesign Design, long[][] Inputs, string Dir) Design(string name)
    {
        lock (_gate)
        {
            if (_designs.TryGetValue(name, out var d)) return d;
            var g = name == "post" ? E2eGraphs.Post() : E2eGraphs.Uniform();
            var dir = HdlTestKit.NewTempDir("e2e-" + name);
            var design = RtlEmitter.Emit(g, Path.Combine(dir, "rtl"));
            var inputs = RandomLayers.Inputs(new Random(RandomLayers.Seed(name, "inputs")), Samples, 16, IntType.U(8));
            return _designs[name] = (g, design, inputs, dir);
        }
    }

    public VerifyReport Report(string name)
    {
        lock (_gate)
        {
            if (_reports.TryGetValue(name, out var r)) return r;
            var (g, design, inputs, dir) = Design(name);
            var progress = new List<VerifyProgress>();
            r = new VerilatorVerifier(Cache).Verify(g, design, inputs, Path.Combine(dir, "verify"),
                new VerifyOptions { InStall = 0.5, OutStall = 0.85, StallSeed = 5 }, new SyncProgress(progress));
            Assert.Contains(progress, p => p.Phase == "build");
            Assert.Contains(progress, p => p.Phase == "compare-stall" && p.Done == Samples);
            return _reports[name] = r;
        }
    }

    public void Dispose()
    {
        foreach (var d in _designs.Values)
            if (Directory.Exists(d.Dir)) Directory.Delete(d.Dir, true);
    }

    private sealed class SyncProgress(List<VerifyProgress> sink) : IProgress<VerifyProgress>
    {
        public void Report(VerifyProgress value) => sink.Add(value);
    }
}

/// <summary>
/// End to end: random 16-12-10 graphs emitted, built with Verilator and run with and without random
/// stalls; every integer of every layer equals the golden simulator's.
/// </summary>
public sealed class VerilatorVerifierTests(E2eFixture fx) : IClassFixture<E2eFixture>
{
    [Theory]
    [InlineData("post")]
    [InlineData("uniform")]
    public void EveryLayerIsBitExactWithAndWithoutStalls(string name)
    {
        var r = fx.Report(name);
        r.EnsurePassed();
        Assert.Equal(E2eFixture.Samples, r.NoStall.BitExact);
        Assert.Equal(0, r.NoStall.Mismatches);
        Assert.NotNull(r.Stall);
        Assert.Equal(E2eFixture.Samples, r.Stall!.BitExact);
        Assert.Equal(0, r.Stall.Mismatches);
        // Every element of every layer was compared: 16 + 12 + 10 per sample.
        Assert.Equal([16L * E2eFixture.Samples, 12L * E2eFixture.Samples, 10L * E2eFixture.Samples], r.NoStall.Layers.Select(l => l.ElementsChecked));
        // Stalls cost cycles.
        Assert.True(r.Stall.TotalCycles > r.NoStall.TotalCycles, $"stall run {r.Stall.TotalCycles} cycles, plain {r.NoStall.TotalCycles}");
    }

    [Fact]
    public void ABuildPathMakeCannotHandleIsRefusedBeforeVerilatorRuns()
    {
        var design = fx.Design("post").Design;
        var bad = Path.Combine(Path.GetTempPath(), "quanthdl-tests", $"colon:{Guid.NewGuid():N}");
        var e = Assert.Throws<ArgumentException>(() => VerilatorBuild.Build(design, bad, trace: false, out _));
        Assert.Contains("contains ':'", e.Message);
        Assert.False(Directory.Exists(bad));
    }

    [Theory]
    [InlineData("post")]
    [InlineData("uniform")]
    public void GoldenSimulatorAgreesWithTheIndependentReference(string name)
    {
        var (g, _, inputs, _) = fx.Design(name);
        foreach (var x in inputs)
        {
            var golden = GoldenSimulator.Run(g, x);
            var independent = E2eGraphs.Reference(g, x);
            for (int t = 0; t < golden.Length; t++) Assert.Equal(independent[t], golden[t]);
        }
    }

    [Theory]
    [InlineData("post")]
    [InlineData("uniform")]
    public void VerifyJsonHoldsCountsAndCycles(string name)
    {
        var r = fx.Report(name);
        var o = JsonNode.Parse(File.ReadAllText(r.ReportFile))!.AsObject();
        Assert.Equal(E2eFixture.Samples, (int)o["samples"]!);
        Assert.Equal(E2eFixture.Samples, (int)o["bit_exact"]!);
        Assert.Equal(0, (long)o["mismatches"]!);
        Assert.True((bool)o["passed"]!);
        long latency = (long)o["latency_cycles"]!;
        double ii = (double)o["initiation_interval_cycles"]!;
        var (g, _, _, _) = fx.Design(name);
        // A layer needs at least its SF*NF compute cycles, and the slowest layer bounds the interval.
        long slowest = g.Nodes.Select(n => n.Op).OfType<DenseOp>().Max(d => (long)(d.In / d.Fold.Simd) * (d.Out / d.Fold.Pe));
        Assert.True(ii >= slowest, $"initiation interval {ii} below the slowest layer's {slowest} cycles");
        Assert.True(latency > slowest, $"latency {latency}");
        Assert.Equal(E2eFixture.Samples, (int)o["stall_run"]!["result"]!["bit_exact"]!);
        Assert.False(File.Exists(r.ReportFile + ".tmp"));
    }

    [Theory]
    [InlineData("post")]
    [InlineData("uniform")]
    public void TheStallRunBackpressuresEveryStream(string name)
    {
        var r = fx.Report(name);
        var (g, _, _, _) = fx.Design(name);
        var o = JsonNode.Parse(File.ReadAllText(r.ReportFile))!.AsObject();
        var stall = o["stall_run"]!["result"]!["backpressure_cycles"]!.AsObject();
        var plain = o["no_stall_run"]!["backpressure_cycles"]!.AsObject();
        Assert.Equal(g.Nodes.Select(n => n.Name), stall.Select(kv => kv.Key));
        Assert.Equal(g.Nodes.Select(n => n.Name), plain.Select(kv => kv.Key));
        foreach (var (node, cycles) in stall)
            Assert.True((long)cycles! > 0, $"{name}: stream {node} saw no backpressure in the stall run: {stall.ToJsonString()}");
        // Without stalls the first layer's own compute time holds its input back (SF > 1), so the input
        // stream sees backpressure, but the output's consumer is always ready.
        Assert.True((long)plain["x"]! > 0);
        Assert.Equal(0, (long)plain[g.Nodes[^1].Name]!);
        // The counts are the harness's per-cycle valid && !ready counts, independently recounted here from
        // the handshake-free cycles: a stream's beats plus its backpressure cycles never exceed the run.
        foreach (var l in r.Stall!.Layers) Assert.True(l.BackpressureCycles < r.Stall.TotalCycles);
        // Every edge stalled with its own drawn parameters.
        Assert.Equal(g.Nodes.Length - 1, r.Stall.InnerStalls.Count);
        Assert.All(r.Stall.InnerStalls, e => Assert.InRange(e.Enter, 1, 255));
        Assert.All(r.NoStall.InnerStalls, e => Assert.Equal(0, e.Enter));
    }

    [Fact]
    public void ACorruptedExpectationIsCaughtAndNamed()
    {
        var (g, design, inputs, dir) = fx.Design("post");
        fx.Report("post");  // the build is cached by now
        long[][] Corrupt(IrGraph graph, long[] x)
        {
            var outs = GoldenSimulator.Run(graph, x);
            if (ReferenceEquals(x, inputs[3])) outs[1][5] += 1;
            return outs;
        }
        var r = new VerilatorVerifier(E2eFixture.Cache).Verify(g, design, inputs, Path.Combine(dir, "corrupt"),
            new VerifyOptions { RunStalls = false, Reference = Corrupt });
        Assert.False(r.Passed);
        Assert.Equal(E2eFixture.Samples - 1, r.NoStall.BitExact);
        Assert.Equal(1, r.NoStall.Mismatches);
        Assert.StartsWith("sample 3, layer fc1 (node 1), element 5: expected ", r.NoStall.FirstMismatch);
        var e = Assert.Throws<VerificationException>(r.EnsurePassed);
        Assert.Contains("sample 3, layer fc1", e.Message);
    }

    [Fact]
    public void ADeadlockFailsLoudly()
    {
        var (g, design, inputs, dir) = fx.Design("uniform");
        fx.Report("uniform");
        // Two idle cycles are less than a layer's compute time, so the watchdog must fire.
        var r = new VerilatorVerifier(E2eFixture.Cache).Verify(g, design, inputs, Path.Combine(dir, "deadlock"),
            new VerifyOptions { RunStalls = false, DeadlockCycles = 2 });
        Assert.False(r.Passed);
        Assert.Contains("DEADLOCK", r.NoStall.Error);
    }

    [Fact]
    public void TraceWritesAnFstWaveform()
    {
        var (g, _, inputs, dir) = fx.Design("uniform");
        var phases = new List<string>();
        var r = new VerilatorVerifier(E2eFixture.Cache).EmitAndVerify(g, inputs.Take(3).ToArray(), Path.Combine(dir, "trace"),
            new VerifyOptions { RunStalls = false, Trace = true }, new Progress<VerifyProgress>(p => { lock (phases) phases.Add(p.Phase); }));
        r.EnsurePassed();
        Assert.NotNull(r.TraceFile);
        Assert.True(new FileInfo(r.TraceFile!).Length > 100);
    }
}
