using QuantHdl.Hardware;
using QuantHdl.Compiler.Ir;
using QuantHdl.Verification.Verilator;
using QuantHdl.Artifacts;

namespace QuantHdl.Flows;

/// <summary>The verify stage: the emitted RTL under Verilator against the golden simulator, integer for integer.</summary>
public static class VerifyFlow
{
    /// <summary>The report, at the top of the build directory.</summary>
    public const string ReportFile = "verify.json";

    /// <summary>Writes the RTL and the input vectors of a freshly compiled graph (the emit stage, <see cref="EmitFlow.Write"/>).</summary>
    public static void Emit(IrGraph graph, string buildDir, long[][] inputs) => EmitFlow.Write(graph, buildDir, inputs);

    /// <summary>
    /// Runs the first <paramref name="samples"/> vectors without and with random stalls (at the ports and,
    /// through hdl/axis_stall.v, on every layer input edge); writes
    /// verify/ (vectors, taps, report) and verify.json. Returns the report; the caller decides the exit code.
    /// </summary>
    public static VerifyReport Verify(string buildDir, int samples, VerifyOptions options, IFlowReporter r)
    {
        if (samples < 1) throw new ArgumentException($"--samples {samples} must be positive");
        buildDir = Path.GetFullPath(buildDir); // the harness runs in another working directory
        var graph = IrJson.Load(Path.Combine(buildDir, CompileFlow.IrFile));
        var designFile = Path.Combine(buildDir, "design.json");
        if (!File.Exists(designFile)) throw new IrException($"{designFile} is missing; run 'quanthdl compile' again");
        var design = RtlDesign.Load(buildDir);
        var inputsFile = Path.Combine(buildDir, "vectors", "inputs.txt");
        if (!File.Exists(inputsFile)) throw new IrException($"{inputsFile} is missing; run 'quanthdl compile' again");
        var all = VectorWriter.ReadInputs(inputsFile, graph.Nodes[0].OutSize, graph.Nodes[0].OutType);
        if (samples > all.Length)
            throw new ArgumentException($"--samples {samples} exceeds the {all.Length} vectors in {inputsFile}; compile with --vectors {samples}");
        var inputs = all.Take(samples).ToArray();
        // Listed in the build's marker first, so that 'compile --force' may replace them later.
        ArtifactMarker.Record(buildDir, "verify", "verilator", ReportFile);
        var verifier = new VerilatorVerifier(Path.Combine(buildDir, "verilator"));
        VerifyReport report = null!;
        r.Progress($"verify {samples} samples (no stalls, then random stalls)", 100, advance =>
        {
            int shown = 0;
            var progress = new Progress(p =>
            {
                // Reference, build and the two runs share one bar: 10%, 30%, 30%, 30%.
                int frac(int span) => span * p.Done / Math.Max(1, p.Total);
                int run = p.Phase.EndsWith("no-stall", StringComparison.Ordinal) ? 40 : 70;
                int pct = p.Phase switch
                {
                    "reference" => frac(10),
                    "build" => 10 + frac(30),
                    "done" => 100,
                    _ when p.Phase.StartsWith("simulate-", StringComparison.Ordinal) => run + frac(15),
                    _ when p.Phase.StartsWith("compare-", StringComparison.Ordinal) => run + 15 + frac(15),
                    _ => shown,
                };
                if (pct > shown) { advance(pct - shown); shown = pct; }
            });
            report = verifier.Verify(graph, design, inputs, Path.Combine(buildDir, "verify"), options, progress);
        });
        AtomicFile.WriteAllText(Path.Combine(buildDir, ReportFile), File.ReadAllText(report.ReportFile));
        foreach (var run in new[] { report.NoStall, report.Stall })
        {
            if (run is null) continue;
            r.Info($"{run.Name}: {run.BitExact}/{run.Samples} samples bit-exact, {run.Mismatches} mismatches, {run.TotalCycles} cycles" +
                   (run.FirstMismatch is null ? "" : $"; first mismatch: {run.FirstMismatch}") + (run.Error is null ? "" : $"; error: {run.Error}"));
        }
        if (report.Stall is { } st)
        {
            r.Info("backpressure cycles per stream (stall run): " + string.Join(", ", st.Layers.Select(l => $"{l.Node} {l.BackpressureCycles}")));
            var idle = st.Layers.Where(l => l.BackpressureCycles == 0).Select(l => l.Node).ToList();
            if (idle.Count > 0)
                r.Info($"warning: streams {string.Join(", ", idle)} saw no backpressure in the stall run; raise the stall probabilities or the samples");
        }
        r.Info($"latency {report.LatencyCycles} cycles, initiation interval {report.InitiationIntervalCycles:F1} cycles " +
               $"(analytic {report.AnalyticIntervalCycles}, set by {report.AnalyticBottleneck}; measured/analytic {report.IntervalRatio:F3}); wrote {Path.Combine(buildDir, ReportFile)}");
        return report;
    }

    /// <summary>Synchronous progress (System.Progress posts to the thread pool, which would reorder reports).</summary>
    private sealed class Progress(Action<VerifyProgress> onReport) : IProgress<VerifyProgress>
    {
        public void Report(VerifyProgress value) => onReport(value);
    }
}
