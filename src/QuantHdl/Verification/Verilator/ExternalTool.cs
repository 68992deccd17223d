using System.Diagnostics;
using QuantHdl.Artifacts;

namespace QuantHdl.Verification.Verilator;

/// <summary>What an external tool printed and returned.</summary>
public sealed record ToolResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed);

/// <summary>A required external tool (verilator, iverilog, yosys) is not installed.</summary>
public sealed class ToolNotFoundException(string message) : Exception(message);

/// <summary>Runs the open EDA tools (Verilator, Icarus, Yosys) as child processes.</summary>
public static class ExternalTool
{
    /// <summary>The full path of <paramref name="name"/> on PATH; throws <see cref="ToolNotFoundException"/> naming the package to install.</summary>
    public static string Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (dir.Length == 0) continue;
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        string package = name switch
        {
            "iverilog" or "vvp" => "iverilog",
            "yosys" => "yosys",
            "chromium" => "chromium",
            _ => "verilator",
        };
        throw new ToolNotFoundException($"'{name}' is not on PATH; install it with `apt-get install {package}`");
    }

    /// <summary>
    /// Runs <paramref name="exe"/> (a name on PATH or a path) in <paramref name="workDir"/> and captures its output.
    /// Kills the process tree and throws <see cref="TimeoutException"/> when it runs past <paramref name="timeout"/>.
    /// The child is tracked by <see cref="CleanupRegistry"/>, so an interrupt (SIGINT, SIGTERM) of this
    /// process kills its whole tree too (verilator's make and compilers, the harness).
    /// </summary>
    public static ToolResult Run(string exe, IEnumerable<string> args, string workDir, TimeSpan timeout, CancellationToken cancel = default)
    {
        var path = exe.Contains('/') ? exe : Find(exe);
        var psi = new ProcessStartInfo(path)
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var watch = Stopwatch.StartNew();
        using var p = CleanupRegistry.StartTracked(psi);
        try
        {
            return Wait(p, path, workDir, timeout, watch, cancel);
        }
        finally
        {
            CleanupRegistry.Untrack(p);
        }
    }

    private static ToolResult Wait(Process p, string path, string workDir, TimeSpan timeout, Stopwatch watch, CancellationToken cancel)
    {
        var stdout = p.StandardOutput.ReadToEndAsync(cancel);
        var stderr = p.StandardError.ReadToEndAsync(cancel);
        bool exited;
        try
        {
            exited = p.WaitForExitAsync(cancel).Wait(timeout);
        }
        catch (AggregateException e) when (e.InnerException is OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw e.InnerException;
        }
        if (!exited)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(path)} ran longer than {timeout.TotalSeconds:F0} s and was stopped (in {workDir})");
        }
        return new ToolResult(p.ExitCode, stdout.Result, stderr.Result, watch.Elapsed);
    }

    /// <summary>Like <see cref="Run"/>, but throws <see cref="InvalidOperationException"/> with the tool's output on a non-zero exit code.</summary>
    public static ToolResult RunChecked(string exe, IEnumerable<string> args, string workDir, TimeSpan timeout, CancellationToken cancel = default)
    {
        var argList = args.ToList();
        var r = Run(exe, argList, workDir, timeout, cancel);
        if (r.ExitCode != 0)
            throw new InvalidOperationException(
                $"{exe} exited with code {r.ExitCode}: {exe} {string.Join(' ', argList.Select(a => a.Length > 200 ? a[..200] + "..." : a))}\n{ErrorLines(r.Stderr)}{Tail(r.Stderr)}\n{Tail(r.Stdout)}");
        return r;
    }

    /// <summary>
    /// The "%Error" and "error:" lines, each cut to 300 characters, ahead of the tail: a tool that quotes
    /// a long line (Verilator quotes whole ROM literals) would otherwise push its errors out of the tail.
    /// </summary>
    private static string ErrorLines(string s)
    {
        var errors = s.Split('\n').Where(l => l.Contains("%Error", StringComparison.Ordinal) || l.Contains("error:", StringComparison.Ordinal))
            .Take(10).Select(l => (l.Length > 300 ? l[..300] + "..." : l) + "\n");
        return string.Concat(errors);
    }

    private static string Tail(string s, int max = 4000) => s.Length <= max ? s : "..." + s[^max..];
}
