using System.Diagnostics;
using System.Runtime.InteropServices;

namespace QuantHdl.Tests.Flow;

/// <summary>Runs the real quanthdl executable (copied next to the tests) in its own process.</summary>
internal static partial class CliRunner
{
    public const int SigInt = 2;
    public const int SigTerm = 15;

    public static (int Exit, string Out, string Err) Run(params string[] args) => RunIn(null, null, args);

    /// <summary>Runs in <paramref name="cwd"/> (null: inherited) with extra environment variables.</summary>
    public static (int Exit, string Out, string Err) RunIn(string? cwd, IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        using var p = Start(cwd, env, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException($"quanthdl {string.Join(" ", args)} did not finish"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts the CLI without waiting; the caller reads its output and waits.</summary>
    public static Process Start(string? cwd, IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "quanthdl.dll");
        // A test run started in the background (`cmd &`, nohup) inherits SIGINT as ignored, and the .NET
        // runtime keeps an inherited SIG_IGN, so Ctrl-C would never reach the CLI. env resets SIGINT to its
        // default and execs dotnet in the same process, so p.Id is still the CLI's.
        var psi = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (cwd is not null) psi.WorkingDirectory = cwd;
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        psi.ArgumentList.Add("--default-signal=INT");
        psi.ArgumentList.Add("dotnet");
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    /// <summary>Sends a POSIX signal (the dotnet host runs the CLI in its own process, so this reaches it).</summary>
    public static void Signal(Process p, int signal)
    {
        if (Kill(p.Id, signal) != 0) throw new InvalidOperationException($"kill({p.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public static string TempDir(string name)
    {
        var d = Path.Combine(Path.GetTempPath(), $"quanthdl-test-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(d);
        return d;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
