using System.Diagnostics;

namespace QuantHdl.Tests.Flow;

/// <summary>Runs the real quanthdl executable (copied next to the tests) in its own process.</summary>
internal static class CliRunner
{
    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "quanthdl.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException($"quanthdl {string.Join(" ", args)} did not finish"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public static string TempDir(string name)
    {
        var d = Path.Combine(Path.GetTempPath(), $"quanthdl-test-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(d);
        return d;
    }
}
