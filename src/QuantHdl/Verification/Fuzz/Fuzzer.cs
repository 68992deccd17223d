using System.Diagnostics;
using System.Globalization;
using System.Text;
using QuantHdl.Hardware;
using QuantHdl.Compiler.Ir;
using QuantHdl.Artifacts;

namespace QuantHdl.Verification.Fuzz;

/// <summary>
/// Differential fuzzing (docs/fuzzing.md): generates <c>count</c> networks from a run seed (or one case
/// seed), runs each through <see cref="FuzzRunner"/>, and minimizes every failure with
/// <see cref="CaseMinimizer"/>. Failures are written under <c>keepFailures/&lt;case seed&gt;/</c> as
/// <c>ir.json</c>, <c>inputs.txt</c> and <c>failure.txt</c>, the minimized case in <c>minimized/</c>.
/// </summary>
public sealed class Fuzzer(string workDir, string? keepFailures = null, string? cacheDir = null)
{
    /// <summary>Scratch folder: one sub-folder per case, removed after it.</summary>
    public string WorkDir { get; } = Path.GetFullPath(workDir);

    /// <summary>
    /// The Verilator cache: the shared runtime objects of the quick builds stay, each network's build is
    /// removed after its run. Defaults to <c>WorkDir/verilator</c>.
    /// </summary>
    public string CacheDir { get; } = Path.GetFullPath(cacheDir ?? Path.Combine(workDir, "verilator"));

    /// <summary>Minimize failures (each step is a Verilator build).</summary>
    public bool Minimize { get; init; } = true;

    /// <summary>
    /// The failure predicate the minimizer uses; by default the case fails <see cref="FuzzRunner"/> the
    /// same way. Tests inject a fake one.
    /// </summary>
    public Func<FuzzCase, FuzzOutcome>? Check { get; init; }

    /// <summary>Runs networks 0..count-1 of <paramref name="runSeed"/>; <paramref name="onCase"/> hears each (index, case, outcome).</summary>
    public FuzzSummary Run(ulong runSeed, int count, Action<int, FuzzCase, FuzzOutcome>? onCase = null, CancellationToken cancel = default)
    {
        if (count < 1) throw new ArgumentException($"--count {count} must be positive");
        return RunSeeds(Enumerable.Range(0, count).Select(i => NetworkGenerator.CaseSeed(runSeed, i)), onCase, cancel);
    }

    /// <summary>Networks run at the same time (each its own Verilator build and harness).</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>
    /// Runs the given case seeds, <see cref="Jobs"/> at a time. <paramref name="onCase"/> is called in seed
    /// order, one call at a time; failures are minimized one at a time afterwards, in seed order.
    /// </summary>
    public FuzzSummary RunSeeds(IEnumerable<ulong> caseSeeds, Action<int, FuzzCase, FuzzOutcome>? onCase = null, CancellationToken cancel = default)
    {
        if (Jobs < 1) throw new ArgumentException($"--jobs {Jobs} must be positive");
        Directory.CreateDirectory(WorkDir);
        var runner = new FuzzRunner(CacheDir);
        var check = Check ?? (c => RunOne(runner, c, cancel));
        var watch = Stopwatch.StartNew();
        var seeds = caseSeeds.ToArray();
        var results = new (FuzzCase Case, int Rejected, FuzzOutcome Outcome)?[seeds.Length];
        var gate = new object();
        int reported = 0;
        void Report()
        {
            // Under the lock: hand out finished cases in seed order.
            while (reported < seeds.Length && results[reported] is { } r)
            {
                onCase?.Invoke(reported, r.Case, r.Outcome);
                reported++;
            }
        }
        // Workers claim the next seed in order (Parallel.For would split the range into far-apart chunks,
        // and the in-order progress would wait for the second chunk until the end).
        int next = -1;
        void Work()
        {
            for (int i = Interlocked.Increment(ref next); i < seeds.Length; i = Interlocked.Increment(ref next))
            {
                cancel.ThrowIfCancellationRequested();
                FuzzCase c;
                FuzzOutcome outcome;
                int rejected;
                try
                {
                    c = NetworkGenerator.Generate(seeds[i], out rejected);
                    outcome = check(c);
                }
                catch
                {
                    // A missing tool or a cancellation: stop the other workers too.
                    Volatile.Write(ref next, seeds.Length);
                    throw;
                }
                lock (gate)
                {
                    results[i] = (c, rejected, outcome);
                    Report();
                }
            }
        }
        var workers = Enumerable.Range(0, Math.Min(Jobs, seeds.Length)).Select(_ => Task.Factory.StartNew(Work, TaskCreationOptions.LongRunning)).ToArray();
        try
        {
            Task.WaitAll(workers);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        var failures = new List<FuzzFailure>();
        foreach (var r in results.Select(x => x!.Value).Where(x => !x.Outcome.Passed))
            failures.Add(Failed(r.Case, r.Outcome, check));
        var all = results.Select(x => x!.Value).ToArray();
        return new FuzzSummary(all.Length, all.Sum(x => (long)x.Rejected), failures,
            all.Sum(x => (long)x.Outcome.StreamsBackpressured), all.Sum(x => (long)x.Outcome.Streams), watch.Elapsed)
        {
            Cnns = all.Count(x => NetworkGenerator.IsCnn(x.Case.Seed)),
        };
    }

    private FuzzOutcome RunOne(FuzzRunner runner, FuzzCase c, CancellationToken cancel)
    {
        var dir = Path.Combine(WorkDir, $"case-{c.Seed}-{Guid.NewGuid():N}");
        try
        {
            return runner.Run(c, dir, cancel);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    private FuzzFailure Failed(FuzzCase c, FuzzOutcome outcome, Func<FuzzCase, FuzzOutcome> check)
    {
        var minimized = c;
        var minimizedOutcome = outcome;
        if (Minimize)
        {
            // The same kind of failure, not any failure: a shrink that turns a mismatch into a build error is no witness.
            minimized = CaseMinimizer.Minimize(c, candidate =>
            {
                var o = check(candidate);
                if (o.Kind != outcome.Kind) return false;
                minimizedOutcome = o;
                return true;
            });
            if (ReferenceEquals(minimized, c)) minimizedOutcome = outcome;
        }
        string? dir = null;
        if (keepFailures is not null)
        {
            dir = Path.Combine(Path.GetFullPath(keepFailures), c.Seed.ToString(CultureInfo.InvariantCulture));
            if (Directory.Exists(dir)) throw new IOException($"{dir} already exists; remove it or pass another --keep-failures folder");
            var failure = new FuzzFailure(c, outcome, minimized, minimizedOutcome, dir);
            Write(Path.Combine(dir, "minimized"), minimized, minimizedOutcome, failure.Reproduce);
            Write(dir, c, outcome, failure.Reproduce);
            return failure;
        }
        return new FuzzFailure(c, outcome, minimized, minimizedOutcome, dir);
    }

    private static void Write(string dir, FuzzCase c, FuzzOutcome o, string reproduce)
    {
        Directory.CreateDirectory(dir);
        IrJson.Save(c.Graph, Path.Combine(dir, "ir.json"));
        VectorWriter.WriteInputs(Path.Combine(dir, "inputs.txt"), c.Inputs);
        var text = new StringBuilder()
            .Append("case seed ").Append(c.Seed.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("reproduce: ").Append(reproduce).Append('\n')
            .Append("failure: ").Append(o.Kind).Append(": ").Append(o.Message).Append('\n')
            .Append("network: ").Append(c.Describe()).Append('\n');
        AtomicFile.WriteAllText(Path.Combine(dir, "failure.txt"), text.ToString());
    }
}
