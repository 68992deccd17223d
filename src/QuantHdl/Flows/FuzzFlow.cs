using System.Globalization;
using QuantHdl.Verification.Fuzz;

namespace QuantHdl.Flows;

/// <summary>The fuzz command: random networks, golden simulator against Verilator under random stalls (docs/fuzzing.md).</summary>
public static class FuzzFlow
{
    /// <summary>
    /// Runs <paramref name="count"/> networks of run seed <paramref name="seed"/>, or only case
    /// <paramref name="caseSeed"/>. Works in <paramref name="outDir"/> (refused when it exists, kept) or in a
    /// temporary folder (removed). Failures, minimized, go to <paramref name="keepFailures"/> when given.
    /// <paramref name="jobs"/> networks run at the same time.
    /// </summary>
    public static FuzzSummary Run(ulong seed, int count, ulong? caseSeed, string? outDir, string? keepFailures, bool minimize, int jobs, IFlowReporter r)
    {
        if (count < 1) throw new ArgumentException($"--count {count} must be positive");
        if (outDir is not null && (Directory.Exists(outDir) || File.Exists(outDir)))
            throw new IOException($"--out {outDir} already exists; pass a new folder or leave --out out for a temporary one");
        if (keepFailures is not null && File.Exists(keepFailures))
            throw new IOException($"--keep-failures {keepFailures} is a file; pass a folder");
        var work = outDir ?? Path.Combine(Path.GetTempPath(), $"quanthdl-fuzz-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var seeds = caseSeed is { } one ? [one] : Enumerable.Range(0, count).Select(i => NetworkGenerator.CaseSeed(seed, i)).ToArray();
        var fuzzer = new Fuzzer(work, keepFailures) { Minimize = minimize, Jobs = jobs };
        FuzzSummary summary = null!;
        var started = DateTime.UtcNow;
        try
        {
            double build = 0, total = 0;
            r.Progress($"fuzz {seeds.Length} networks (seed {seed})", seeds.Length, advance =>
            {
                summary = fuzzer.RunSeeds(seeds, (i, c, o) =>
                {
                    advance(1);
                    build += o.BuildSeconds;
                    total += o.TotalSeconds;
                    if (!o.Passed)
                        r.Info($"FAIL network {i} (case {c.Seed}, reproduce: quanthdl fuzz --case {c.Seed}): {o.Kind}: {o.Message}\n  {c.Describe()}");
                    if ((i + 1) % 25 == 0 || i + 1 == seeds.Length)
                    {
                        double minutes = (DateTime.UtcNow - started).TotalMinutes;
                        r.Info(string.Create(CultureInfo.InvariantCulture, $"{i + 1}/{seeds.Length} networks, {(minutes > 0 ? (i + 1) / minutes : 0):F1} per minute; per network {total / (i + 1):F1} s, of which {build / (i + 1):F1} s building"));
                    }
                });
            });
        }
        finally
        {
            if (outDir is null && Directory.Exists(work)) Directory.Delete(work, true);
        }
        foreach (var f in summary.Failures)
        {
            r.Info($"failure: case {f.Case.Seed}: {f.Outcome.Kind}: {f.Outcome.Message}");
            r.Info($"  reproduce: {f.Reproduce}");
            r.Info($"  minimized ({f.MinimizedOutcome.Kind}): {f.Minimized.Describe()}, {f.Minimized.Inputs.Length} samples");
            if (f.Dir is not null) r.Info($"  written to {f.Dir} (ir.json, inputs.txt, failure.txt, minimized/)");
        }
        r.Info(string.Create(CultureInfo.InvariantCulture,
            $"{summary.Networks} networks ({summary.Cnns} CNNs), {summary.Failures.Count} failures, {summary.Rejected} draws rejected by the validators, " +
            $"{summary.StreamsBackpressured}/{summary.Streams} streams backpressured in the stall runs, " +
            $"{summary.Elapsed.TotalMinutes:F1} min ({summary.NetworksPerMinute:F1} networks/min)"));
        return summary;
    }
}
