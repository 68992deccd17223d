using System.Diagnostics;
using QuantHdl.Flows;
using QuantHdl.Artifacts;

namespace QuantHdl.Tests.Flow;

/// <summary>
/// Ctrl-C (SIGINT) or SIGTERM in the middle of each stage: the real CLI is started, signalled once its
/// staging folder exists (or, for simulate, which stages none, once it is busy), and must exit with
/// 128 + signal and one line, leaving no staging folder, no output and no child process behind. A run
/// killed outright (SIGKILL) cannot clean up; the next run sweeps its staging folder.
/// </summary>
public class InterruptTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static bool HasStaging(string dir) =>
        Directory.Exists(dir) && Directory.EnumerateDirectories(dir).Any(d => Path.GetFileName(d).Contains(".staging."));

    /// <summary>A staging folder whose marker is written (only such a folder is ever swept).</summary>
    private static bool HasMarkedStaging(string dir) =>
        Directory.Exists(dir) && Directory.EnumerateDirectories(dir).Any(d => Path.GetFileName(d).Contains(".staging.") && File.Exists(Path.Combine(d, StagingFolder.MarkerFile)));

    /// <summary>Starts the CLI, polls <paramref name="ready"/>, sends <paramref name="signal"/>, and waits.</summary>
    private static (int Exit, string Err, int[] Children) Interrupt(Func<Process, bool> ready, int signal, params string[] args)
    {
        using var p = CliRunner.Start(null, null, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        var watch = Stopwatch.StartNew();
        while (!ready(p))
        {
            if (p.HasExited) Assert.Fail($"quanthdl {string.Join(' ', args)} exited ({p.ExitCode}) before it could be interrupted: {stderr.Result}");
            if (watch.Elapsed > Patience) { p.Kill(true); Assert.Fail($"quanthdl {string.Join(' ', args)} never became ready"); }
            Thread.Sleep(5);
        }
        var children = Descendants(p.Id);
        CliRunner.Signal(p, signal);
        if (!p.WaitForExit(Patience)) { p.Kill(true); Assert.Fail("the interrupted CLI did not exit"); }
        _ = stdout.Result;
        return (p.ExitCode, stderr.Result, children);
    }

    private static void AssertInterrupted(int exit, string err, int signal)
    {
        Assert.Equal(128 + signal, exit);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith($"error: interrupted by {(signal == CliRunner.SigInt ? "SIGINT" : "SIGTERM")}", lines[0]);
    }

    [Theory]
    [InlineData(CliRunner.SigInt)]
    [InlineData(CliRunner.SigTerm)]
    public void InterruptedTrainLeavesNothing(int signal)
    {
        var tmp = CliRunner.TempDir("int-train");
        var (exit, err, _) = Interrupt(_ => HasStaging(tmp), signal,
            "train", "--model", "mlp:784-64-10", "--epochs", "500", "--data", FashionSubset.Path, "--out", Path.Combine(tmp, "fp"));
        AssertInterrupted(exit, err, signal);
        Assert.Empty(Directory.GetFileSystemEntries(tmp));
    }

    [Fact]
    public void InterruptedQatLeavesNothing()
    {
        var tmp = CliRunner.TempDir("int-qat");
        var (exit, err, _) = Interrupt(_ => HasStaging(tmp), CliRunner.SigInt,
            "qat", "--from", TinyArtifacts.Float, "--epochs", "500", "--data", FashionSubset.Path, "--out", Path.Combine(tmp, "qat"));
        AssertInterrupted(exit, err, CliRunner.SigInt);
        Assert.Empty(Directory.GetFileSystemEntries(tmp));
    }

    [Fact]
    public void InterruptedCompileLeavesNothing()
    {
        // The full test set as 10000 vectors keeps compile busy for a second after it starts staging.
        var tmp = CliRunner.TempDir("int-compile");
        var (exit, err, _) = Interrupt(_ => HasStaging(tmp), CliRunner.SigInt,
            "compile", "--from", TinyArtifacts.Qat, "--vectors", "10000", "--out", Path.Combine(tmp, "build"));
        AssertInterrupted(exit, err, CliRunner.SigInt);
        Assert.Empty(Directory.GetFileSystemEntries(tmp));
    }

    [Fact]
    public void InterruptedSimulateWritesNoReport()
    {
        // simulate stages no folder (it writes one file, atomically); it is interrupted once it has used a
        // second and a half of CPU, well past start-up, in a golden run of several CPU seconds.
        var build = TinyArtifacts.CopyTo(TinyArtifacts.WideBuild, Path.Combine(CliRunner.TempDir("int-sim"), "build"));
        var before = Directory.GetFileSystemEntries(build).Order().ToArray();
        // The build was compiled on the 1,000-image subset; the full 10,000-image test set keeps the run long.
        var (exit, err, _) = Interrupt(p => p.TotalProcessorTime > TimeSpan.FromSeconds(1.5), CliRunner.SigInt,
            "simulate", "--build", build, "--data", QuantHdl.Engine.Data.IdxDataset.DefaultDataDir);
        AssertInterrupted(exit, err, CliRunner.SigInt);
        Assert.Equal(before, Directory.GetFileSystemEntries(build).Order().ToArray());
        Assert.False(File.Exists(Path.Combine(build, SimulateFlow.ReportFile)));
    }

    [Fact]
    public void InterruptedVerifyKillsVerilatorAndLeavesNoBuildFolder()
    {
        // A copy without build/verilator/, so that verify must run Verilator; it is interrupted while
        // Verilator (and the make and compilers under it) run in the staging folder.
        var build = TinyArtifacts.CopyTo(TinyArtifacts.Build, Path.Combine(CliRunner.TempDir("int-verify"), "build"));
        var cache = Path.Combine(build, "verilator");
        var (exit, err, children) = Interrupt(p => HasStaging(cache) && Descendants(p.Id).Length > 0, CliRunner.SigInt,
            "verify", "--build", build, "--samples", "5");
        AssertInterrupted(exit, err, CliRunner.SigInt);
        Assert.NotEmpty(children);
        Assert.Empty(Directory.GetFileSystemEntries(cache));
        Assert.False(File.Exists(Path.Combine(build, VerifyFlow.ReportFile)));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (children.Any(IsRunning) && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.DoesNotContain(children, IsRunning);
    }

    [Fact]
    public void AStagingFolderLeftByAKilledRunIsSweptByTheNextRun()
    {
        var tmp = CliRunner.TempDir("int-kill");
        var (exit, _, _) = Interrupt(_ => HasMarkedStaging(tmp), 9,
            "train", "--model", "mlp:784-64-10", "--epochs", "500", "--data", FashionSubset.Path, "--out", Path.Combine(tmp, "fp"));
        Assert.Equal(137, exit);
        Assert.True(HasStaging(tmp)); // SIGKILL cannot be handled: the folder is left behind
        var (exit2, _, err2) = CliRunner.Run("train", "--model", "mlp:784-16-10", "--epochs", "0", "--data", FashionSubset.Path, "--out", Path.Combine(tmp, "fp2"));
        Assert.True(exit2 == 0, err2);
        Assert.Equal(["fp2"], Directory.GetFileSystemEntries(tmp).Select(Path.GetFileName));
    }

    /// <summary>PIDs of every live process below <paramref name="pid"/>, from /proc.</summary>
    private static int[] Descendants(int pid)
    {
        var parent = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int p)) continue;
            var stat = Stat(p);
            if (stat is null || stat[0] == "Z") continue;
            parent[p] = int.Parse(stat[1]);
        }
        var result = new List<int>();
        var frontier = new Queue<int>([pid]);
        while (frontier.Count > 0)
        {
            int p = frontier.Dequeue();
            foreach (var (child, par) in parent)
                if (par == p) { result.Add(child); frontier.Enqueue(child); }
        }
        return [.. result];
    }

    /// <summary>Running: present in /proc and not a zombie (a killed orphan may wait to be reaped).</summary>
    private static bool IsRunning(int pid) => Stat(pid) is { } s && s[0] != "Z" && s[0] != "X";

    /// <summary>Fields 3.. of /proc/PID/stat (state, ppid, ...), or null when the process is gone.</summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            var s = File.ReadAllText($"/proc/{pid}/stat");
            return s[(s.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }
}
