using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using QuantHdl.Hardware;
using QuantHdl.Compiler.Ir;
using QuantHdl.Artifacts;

namespace QuantHdl.Verification.Verilator;

/// <summary>
/// Proves an emitted design bit-exact against the reference (the golden simulator by default): builds it
/// with Verilator (cached in <paramref name="cacheDir"/>), streams every input through sim/harness.cpp once
/// without stalls and once with random stalls, and compares every integer of every layer's output stream
/// with the reference, by exact equality. Writes <c>verify.json</c> atomically.
/// </summary>
public sealed class VerilatorVerifier(string cacheDir)
{
    /// <summary>Where Verilator builds are cached.</summary>
    public string CacheDir { get; } = Path.GetFullPath(cacheDir);

    /// <summary>
    /// Verifies <paramref name="design"/> (emitted from <paramref name="graph"/>) on <paramref name="inputs"/>.
    /// Writes inputs.txt, expected.txt, taps.txt, taps_stall.txt, verify.json (and trace.fst with
    /// <see cref="VerifyOptions.Trace"/>) into <paramref name="outDir"/>. A mismatch does not throw: it is in
    /// the report (call <see cref="VerifyReport.EnsurePassed"/>); a tool failure does.
    /// </summary>
    public VerifyReport Verify(IrGraph graph, RtlDesign design, IReadOnlyList<long[]> inputs, string outDir,
        VerifyOptions? options = null, IProgress<VerifyProgress>? progress = null, CancellationToken cancel = default)
    {
        options ??= new VerifyOptions();
        CheckDesignMatches(graph, design);
        if (inputs.Count == 0) throw new ArgumentException("verification needs at least one sample", nameof(inputs));
        Directory.CreateDirectory(outDir);

        var expected = new long[inputs.Count][][];
        for (int n = 0; n < inputs.Count; n++)
        {
            cancel.ThrowIfCancellationRequested();
            expected[n] = options.Reference(graph, inputs[n]);
            if (n % Math.Max(1, inputs.Count / 100) == 0 || n == inputs.Count - 1)
                progress?.Report(new VerifyProgress("reference", n + 1, inputs.Count, $"reference outputs {n + 1}/{inputs.Count}"));
        }
        var inputsFile = Path.Combine(outDir, "inputs.txt");
        VectorWriter.WriteInputs(inputsFile, inputs);
        VectorWriter.WriteExpected(Path.Combine(outDir, "expected.txt"), graph, expected);

        progress?.Report(new VerifyProgress("build", 0, 1, "building the simulator with Verilator"));
        var watch = Stopwatch.StartNew();
        var exe = VerilatorBuild.Build(design, CacheDir, options.Trace, options.Profile, out bool cached, cancel);
        double buildSeconds = watch.Elapsed.TotalSeconds;
        progress?.Report(new VerifyProgress("build", 1, 1, cached ? "simulator taken from the cache" : $"simulator built in {buildSeconds:F0} s"));

        string? trace = options.Trace ? Path.Combine(outDir, "trace.fst") : null;
        var (plain, plainRec) = RunAndCompare("no-stall", graph, exe, inputsFile, Path.Combine(outDir, "taps.txt"), expected,
            ["--seed", "1", "--in-stall", "0", "--out-stall", "0", "--inner-stall", "0"], trace, options, progress, cancel);
        RunCheck? stall = null;
        if (options.RunStalls)
        {
            (stall, _) = RunAndCompare("stall", graph, exe, inputsFile, Path.Combine(outDir, "taps_stall.txt"), expected,
                ["--seed", options.StallSeed.ToString(CultureInfo.InvariantCulture),
                 "--in-stall", options.InStall.ToString("R", CultureInfo.InvariantCulture),
                 "--out-stall", options.OutStall.ToString("R", CultureInfo.InvariantCulture),
                 "--inner-stall", options.InnerStall.ToString("R", CultureInfo.InvariantCulture)], null, options, progress, cancel);
        }

        long? latency = plainRec is { } r0 && r0.FirstIn[0] >= 0 && r0.LastOut[0] >= 0 ? r0.LastOut[0] - r0.FirstIn[0] : null;
        double? ii = plainRec is { } r1 ? InitiationInterval(r1.LastOut) : null;
        var (analytic, bottleneck) = CycleModel.InitiationInterval(graph);
        var report = new VerifyReport(graph.Name, design.TopModule, plain, stall, latency, ii, cached, buildSeconds, trace,
            Path.Combine(Path.GetFullPath(outDir), "verify.json")) { AnalyticIntervalCycles = analytic, AnalyticBottleneck = bottleneck };
        AtomicFile.WriteAllText(report.ReportFile, ToJson(graph, report, stall is null ? null : options));
        progress?.Report(new VerifyProgress("done", 1, 1, report.Passed ? "bit-exact" : "MISMATCH"));
        return report;
    }

    /// <summary>
    /// Emits <paramref name="graph"/> into <c>workDir/rtl</c> (<see cref="RtlEmitter.Emit"/>) and verifies it
    /// into <c>workDir/verify</c>.
    /// </summary>
    public VerifyReport EmitAndVerify(IrGraph graph, IReadOnlyList<long[]> inputs, string workDir,
        VerifyOptions? options = null, IProgress<VerifyProgress>? progress = null, CancellationToken cancel = default)
    {
        progress?.Report(new VerifyProgress("emit", 0, 1, "emitting Verilog"));
        var design = RtlEmitter.Emit(graph, Path.Combine(workDir, "rtl"));
        progress?.Report(new VerifyProgress("emit", 1, 1, $"emitted {design.RtlFiles.Count} files"));
        return Verify(graph, design, inputs, Path.Combine(workDir, "verify"), options, progress, cancel);
    }

    /// <summary>
    /// Steady-state spacing of the last output beats of consecutive samples, averaged over the second half
    /// of the run (the first samples still fill the pipeline). Null with fewer than two samples.
    /// </summary>
    public static double? InitiationInterval(IReadOnlyList<long> lastOut)
    {
        int n = lastOut.Count;
        if (n < 2 || lastOut.Any(c => c < 0)) return null;
        int h = Math.Min(n / 2, n - 2);
        return (double)(lastOut[n - 1] - lastOut[h]) / (n - 1 - h);
    }

    private static void CheckDesignMatches(IrGraph graph, RtlDesign design)
    {
        var names = graph.Nodes.Select(n => n.Name).ToArray();
        var taps = design.Taps.Select(t => t.Node).ToArray();
        if (!names.SequenceEqual(taps))
            throw new ArgumentException($"design {design.TopModule} taps [{string.Join(", ", taps)}] but graph {graph.Name} has nodes [{string.Join(", ", names)}]; emit the RTL again from this graph");
    }

    private (RunCheck, TapRecording?) RunAndCompare(string name, IrGraph graph, string exe, string inputsFile, string tapsFile,
        long[][][] expected, string[] extra, string? trace, VerifyOptions options, IProgress<VerifyProgress>? progress, CancellationToken cancel)
    {
        progress?.Report(new VerifyProgress($"simulate-{name}", 0, expected.Length, $"simulating {expected.Length} samples ({name})"));
        var args = new List<string> { "--inputs", inputsFile, "--out", tapsFile, "--timeout", options.DeadlockCycles.ToString(CultureInfo.InvariantCulture) };
        args.AddRange(extra);
        if (trace is not null) args.AddRange(["--trace", trace]);
        var run = ExternalTool.Run(exe, args, Path.GetDirectoryName(tapsFile)!, options.RunTimeout, cancel);
        TapRecording? rec = File.Exists(tapsFile) ? TapRecording.Read(tapsFile) : null;
        string? error = run.ExitCode == 0 ? null
            : rec?.Deadlock is not null ? $"DEADLOCK in the {name} run: {run.Stderr.Trim()}"
            : $"harness exited with code {run.ExitCode}: {run.Stderr.Trim()}";
        if (rec is null)
            return (new RunCheck(name, expected.Length, 0, 0, null, 0, [], error ?? "the harness wrote no output", tapsFile), null);
        progress?.Report(new VerifyProgress($"simulate-{name}", expected.Length, expected.Length, $"simulated {rec.TotalCycles} cycles"));
        return (Compare(name, graph, rec, expected, error, tapsFile, progress), rec);
    }

    private static RunCheck Compare(string name, IrGraph graph, TapRecording rec, long[][][] expected, string? error, string tapsFile, IProgress<VerifyProgress>? progress)
    {
        int samples = expected.Length, nodes = graph.Nodes.Length;
        var checkedPer = new long[nodes];
        var missPer = new long[nodes];
        string? first = null;
        int bitExact = 0;
        var framing = rec.FramingErrors.ToLookup(f => f.Sample, f => f.Message);
        for (int s = 0; s < samples; s++)
        {
            bool ok = true;
            for (int t = 0; t < nodes; t++)
            {
                var exp = expected[s][t];
                var got = rec.Values[t][s];
                int filled = rec.Filled[t][s];
                if (filled != exp.Length)
                {
                    ok = false;
                    missPer[t] += Math.Abs(exp.Length - filled);
                    first ??= $"sample {s}, layer {graph.Nodes[t].Name}: {filled} of {exp.Length} values arrived";
                }
                for (int i = 0; i < exp.Length && i < filled; i++)
                {
                    checkedPer[t]++;
                    if (exp[i] == got[i]) continue;
                    ok = false;
                    missPer[t]++;
                    first ??= $"sample {s}, layer {graph.Nodes[t].Name} (node {t}), element {i}: expected {exp[i]}, RTL gave {got[i]}";
                }
            }
            foreach (var msg in framing[s])
            {
                ok = false;
                first ??= msg;
            }
            if (ok) bitExact++;
            if (s % Math.Max(1, samples / 100) == 0 || s == samples - 1)
                progress?.Report(new VerifyProgress($"compare-{name}", s + 1, samples, $"{bitExact}/{s + 1} samples bit-exact"));
        }
        long mismatches = missPer.Sum() + rec.FramingErrors.Count;
        var layers = graph.Nodes.Select((n, t) => new LayerCheck(n.Name, checkedPer[t], missPer[t], rec.BackpressureCycles[t])).ToList();
        return new RunCheck(name, samples, bitExact, mismatches, first, rec.TotalCycles, layers, error, tapsFile) { InnerStalls = rec.InnerStalls };
    }

    private static string ToJson(IrGraph graph, VerifyReport r, VerifyOptions? stallOptions)
    {
        static JsonObject Run(RunCheck c) => new()
        {
            ["samples"] = c.Samples,
            ["bit_exact"] = c.BitExact,
            ["mismatches"] = c.Mismatches,
            ["first_mismatch"] = c.FirstMismatch,
            ["error"] = c.Error,
            ["total_cycles"] = c.TotalCycles,
            ["passed"] = c.Passed,
            ["taps_file"] = Path.GetFileName(c.TapsFile),
            // Per stream: cycles with valid high and ready low, the handshakes the run exercised.
            ["backpressure_cycles"] = new JsonObject(c.Layers.Select(l => KeyValuePair.Create(l.Node, (JsonNode?)l.BackpressureCycles))),
            ["inner_stalls"] = new JsonArray(c.InnerStalls.Select(e => (JsonNode)new JsonObject
            {
                ["edge"] = e.Edge,
                ["from"] = c.Layers[e.Tap].Node,
                ["seed"] = e.Seed,
                ["enter"] = e.Enter,
                ["leave"] = e.Leave,
            }).ToArray()),
            ["layers"] = new JsonArray(c.Layers.Select(l => (JsonNode)new JsonObject
            {
                ["node"] = l.Node,
                ["elements_checked"] = l.ElementsChecked,
                ["mismatches"] = l.Mismatches,
            }).ToArray()),
        };
        var o = new JsonObject
        {
            ["format"] = "quanthdl-verify",
            ["version"] = 1,
            ["graph"] = r.Graph,
            ["top"] = r.TopModule,
            ["passed"] = r.Passed,
            ["samples"] = r.NoStall.Samples,
            ["bit_exact"] = r.NoStall.BitExact,
            ["mismatches"] = r.NoStall.Mismatches,
            ["first_mismatch"] = r.NoStall.FirstMismatch,
            ["error"] = r.NoStall.Error,
            ["latency_cycles"] = r.LatencyCycles,
            ["initiation_interval_cycles"] = r.InitiationIntervalCycles,
            ["analytic"] = new JsonObject
            {
                ["initiation_interval_cycles"] = r.AnalyticIntervalCycles,
                ["bottleneck"] = r.AnalyticBottleneck,
                ["measured_over_analytic"] = r.IntervalRatio is double q ? Math.Round(q, 4) : null,
                ["cycles_per_frame"] = new JsonObject(CycleModel.PerNode(graph).Select(p => KeyValuePair.Create(p.Node, (JsonNode?)p.Cycles))),
            },
            ["total_cycles"] = r.NoStall.TotalCycles,
            ["layers"] = Run(r.NoStall)["layers"]!.DeepClone(),
            ["stall_run"] = r.Stall is null || stallOptions is null ? null : new JsonObject
            {
                ["seed"] = stallOptions.StallSeed,
                ["in_stall"] = stallOptions.InStall,
                ["out_stall"] = stallOptions.OutStall,
                ["inner_stall"] = stallOptions.InnerStall,
                ["result"] = Run(r.Stall),
            },
            ["no_stall_run"] = Run(r.NoStall),
            ["build"] = new JsonObject { ["cached"] = r.BuildCached, ["seconds"] = Math.Round(r.BuildSeconds, 1) },
            ["trace"] = r.TraceFile is null ? null : Path.GetFileName(r.TraceFile),
        };
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).Replace("\r\n", "\n") + "\n";
    }
}
