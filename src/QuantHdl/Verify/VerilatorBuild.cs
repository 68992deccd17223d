using System.Security.Cryptography;
using System.Text;
using QuantHdl.Hdl;

namespace QuantHdl.Verify;

/// <summary>
/// Builds the Verilator simulator of an emitted design:
/// <c>verilator --cc --exe --build -O2 -DQH_TAPS --top-module TOP --prefix Vqh_top ... sim/harness.cpp rtl/*.v</c>
/// (see sim/README.md). Builds are cached under the cache folder by a hash of every source file, the
/// flags and the Verilator version, so the same design is compiled once.
/// </summary>
public static class VerilatorBuild
{
    /// <summary>Name of the harness executable inside a build folder.</summary>
    public const string Executable = "Vsim";

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(20);

    /// <summary>
    /// Returns the simulator executable for <paramref name="design"/>, building it when the cache has none.
    /// <paramref name="cached"/> tells whether the cache was used.
    /// </summary>
    public static string Build(RtlDesign design, string cacheDir, bool trace, out bool cached, CancellationToken cancel = default)
    {
        var flags = Flags(design, trace);
        var key = Key(design, flags);
        var cache = Path.GetFullPath(cacheDir);
        var final = Path.Combine(cache, $"{design.TopModule}-{key}{(trace ? "-fst" : "")}");
        StagingFolder.SweepStale(cache); // builds of processes that were killed
        var exe = Path.Combine(final, "obj", Executable);
        if (File.Exists(Path.Combine(final, "build.ok")) && File.Exists(exe))
        {
            cached = true;
            return exe;
        }
        cached = false;
        Directory.CreateDirectory(cache);
        using var staging = StagingFolder.Create(cache, Path.GetFileName(final) + ".build");
        var args = new List<string>(flags) { "-Mdir", Path.Combine(staging.Path, "obj") };
        args.AddRange(design.HarnessFiles.Where(f => f.EndsWith(".cpp", StringComparison.Ordinal)).Select(f => Path.Combine(design.OutDir, f)));
        args.AddRange(design.RtlFiles.Select(f => Path.Combine(design.OutDir, f)));
        var r = ExternalTool.RunChecked("verilator", args, staging.Path, BuildTimeout, cancel);
        File.WriteAllText(Path.Combine(staging.Path, "build.log"), r.Stdout + r.Stderr);
        File.WriteAllText(Path.Combine(staging.Path, "build.ok"), key + "\n");
        try
        {
            staging.MoveTo(final);
        }
        catch (IOException) when (File.Exists(Path.Combine(final, "build.ok")))
        {
            // Another process built the same design meanwhile; use its build (the staging folder goes on Dispose).
        }
        return exe;
    }

    /// <summary>The Verilator flags, without the output folder and the sources.</summary>
    public static IReadOnlyList<string> Flags(RtlDesign design, bool trace)
    {
        var simDir = Path.Combine(design.OutDir, "sim");
        var f = new List<string>
        {
            "--cc", "--exe", "--build", "-O2", "-DQH_TAPS",
            "--top-module", design.TopModule, "--prefix", "Vqh_top",
            "-j", "2", "-CFLAGS", $"-I{simDir}", "-o", Executable,
        };
        if (trace) f.Add("--trace-fst");
        return f;
    }

    private static string Key(RtlDesign design, IReadOnlyList<string> flags)
    {
        using var sha = SHA256.Create();
        var sb = new StringBuilder();
        sb.Append(VerilatorVersion()).Append('\n');
        // The sim/ include path differs between output folders but not the build; hash the rest.
        foreach (var f in flags.Where(f => !f.StartsWith("-I", StringComparison.Ordinal))) sb.Append(f).Append('\n');
        foreach (var rel in design.RtlFiles.Concat(design.HarnessFiles))
            sb.Append(rel).Append('\n').Append(File.ReadAllText(Path.Combine(design.OutDir, rel))).Append('\n');
        return Convert.ToHexString(sha.ComputeHash(Encoding.UTF8.GetBytes(sb.ToString())))[..16].ToLowerInvariant();
    }

    private static string? _version;

    private static string VerilatorVersion() =>
        _version ??= ExternalTool.RunChecked("verilator", ["--version"], Path.GetTempPath(), TimeSpan.FromMinutes(1)).Stdout.Trim();
}
