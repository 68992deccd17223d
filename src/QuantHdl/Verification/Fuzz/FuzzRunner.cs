using QuantHdl.Golden;
using QuantHdl.Hardware;
using QuantHdl.Verification.Verilator;

namespace QuantHdl.Verification.Fuzz;

/// <summary>
/// Runs one fuzz case differentially: the golden simulator, the emitter, then the emitted design under
/// Verilator (quick build profile) without stalls and with random port and inner stalls drawn from the
/// case seed. Every way it can go wrong is a <see cref="FuzzOutcome"/>, never an exception, except a
/// missing tool or a cancellation.
/// </summary>
public sealed class FuzzRunner(string cacheDir)
{
    /// <summary>Where the runtime objects of the quick Verilator builds are kept; per-design builds are deleted after use.</summary>
    public string CacheDir { get; } = Path.GetFullPath(cacheDir);

    /// <summary>
    /// Cycles without a handshake before the harness reports a deadlock; a fuzz layer computes a frame in at most
    /// <see cref="NetworkGenerator.CycleBudget"/> cycles, and handshakes come far more often than once a frame.
    /// </summary>
    public long DeadlockCycles { get; init; } = 20_000;

    /// <summary>Runs <paramref name="c"/> in <paramref name="workDir"/> (created; the caller removes it).</summary>
    public FuzzOutcome Run(FuzzCase c, string workDir, CancellationToken cancel = default)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var o = RunUntimed(c, workDir, cancel, out double build);
        return o with { BuildSeconds = build, TotalSeconds = watch.Elapsed.TotalSeconds };
    }

    private FuzzOutcome RunUntimed(FuzzCase c, string workDir, CancellationToken cancel, out double buildSeconds)
    {
        buildSeconds = 0;
        Directory.CreateDirectory(workDir);
        try
        {
            foreach (var x in c.Inputs) GoldenSimulator.Run(c.Graph, x);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Fail(FuzzFailureKind.GoldenCrash, $"golden simulator: {e.GetType().Name}: {e.Message}");
        }
        RtlDesign design;
        try
        {
            design = RtlEmitter.Emit(c.Graph, Path.Combine(workDir, "rtl"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Fail(FuzzFailureKind.EmitterCrash, $"emitter: {e.GetType().Name}: {e.Message}");
        }

        // The stall run's probabilities differ per case: port stalls up to 0.6, inner bursts up to 0.5.
        var rng = new Random((int)(c.Seed & 0x7fffffff) ^ 0x5bd1e995);
        var options = new VerifyOptions
        {
            StallSeed = c.Seed,
            InStall = Math.Round(0.6 * rng.NextDouble(), 3),
            OutStall = Math.Round(0.6 * rng.NextDouble(), 3),
            InnerStall = Math.Round(0.05 + 0.45 * rng.NextDouble(), 3),
            Profile = VerilatorProfile.Quick,
            DeadlockCycles = DeadlockCycles,
            RunTimeout = TimeSpan.FromMinutes(5),
        };
        VerifyReport report;
        try
        {
            report = new VerilatorVerifier(CacheDir).Verify(c.Graph, design, c.Inputs, Path.Combine(workDir, "verify"), options, cancel: cancel);
        }
        catch (InvalidOperationException e)
        {
            return Fail(FuzzFailureKind.BuildError, $"verilator build: {FirstLines(e.Message)}");
        }
        finally
        {
            DeleteBuild(design);
        }
        buildSeconds = report.BuildSeconds;
        foreach (var run in new[] { report.NoStall, report.Stall! })
        {
            if (run.Passed) continue;
            var kind = run.Error is null ? FuzzFailureKind.Mismatch
                : run.Error.Contains("DEADLOCK", StringComparison.Ordinal) ? FuzzFailureKind.Deadlock
                : FuzzFailureKind.HarnessError;
            var what = run.Error ?? run.FirstMismatch;
            return new FuzzOutcome(kind, $"{run.Name} run (in {options.InStall}, out {options.OutStall}, inner {options.InnerStall}): {what}",
                Backpressured(report), c.Graph.Nodes.Length);
        }
        return new FuzzOutcome(FuzzFailureKind.None, "bit-exact", Backpressured(report), c.Graph.Nodes.Length);

        FuzzOutcome Fail(FuzzFailureKind kind, string message) => new(kind, message, 0, c.Graph.Nodes.Length);
    }

    private static int Backpressured(VerifyReport r) => r.Stall?.Layers.Count(l => l.BackpressureCycles > 0) ?? 0;

    /// <summary>Each fuzz design is built once; its Verilator folder (megabytes) goes as soon as it has run.</summary>
    private void DeleteBuild(RtlDesign design)
    {
        foreach (var dir in Directory.EnumerateDirectories(CacheDir, design.TopModule + "-*"))
            Directory.Delete(dir, true);
    }

    /// <summary>The tool's error lines (or its first lines), each cut short: Verilator quotes whole ROM literals.</summary>
    private static string FirstLines(string s)
    {
        var lines = s.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var errors = lines.Where(l => l.Contains("%Error", StringComparison.Ordinal) || l.Contains("error:", StringComparison.Ordinal)).ToArray();
        return string.Join(" | ", (errors.Length > 0 ? errors : lines).Take(6).Select(l => l.Length > 300 ? l[..300] + "..." : l));
    }
}
