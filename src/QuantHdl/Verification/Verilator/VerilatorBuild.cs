using System.Security.Cryptography;
using System.Text;
using QuantHdl.Hardware;
using QuantHdl.Artifacts;

namespace QuantHdl.Verification.Verilator;

/// <summary>
/// Builds the Verilator simulator of an emitted design:
/// <c>verilator --cc --exe --build -O2 -DQH_TAPS -DQH_STALLS --top-module TOP --prefix Vqh_top ... sim/harness.cpp rtl/*.v</c>
/// (see sim/README.md). Builds are cached under the cache folder by a hash of every source file, the
/// flags and the Verilator version, so the same design is compiled once.
/// </summary>
public static class VerilatorBuild
{
    /// <summary>Name of the harness executable inside a build folder.</summary>
    public const string Executable = "Vsim";

    /// <summary>The objects of Verilator's runtime library that <see cref="VerilatorProfile.Quick"/> builds share.</summary>
    private static readonly string[] RuntimeObjects = ["verilated.o", "verilated_threads.o"];

    /// <summary>Make variables of <see cref="VerilatorProfile.Quick"/>: every C++ file at -O0.</summary>
    private static readonly string[] QuickMakeFlags = ["OPT_FAST=-O0", "OPT_SLOW=-O0", "OPT_GLOBAL=-O0"];

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(20);

    /// <summary>
    /// Returns the simulator executable for <paramref name="design"/>, building it when the cache has none.
    /// <paramref name="cached"/> tells whether the cache was used.
    /// </summary>
    public static string Build(RtlDesign design, string cacheDir, bool trace, out bool cached, CancellationToken cancel = default) =>
        Build(design, cacheDir, trace, VerilatorProfile.Optimized, out cached, cancel);

    /// <summary>Like <see cref="Build(RtlDesign, string, bool, out bool, CancellationToken)"/>, with a build profile.</summary>
    public static string Build(RtlDesign design, string cacheDir, bool trace, VerilatorProfile profile, out bool cached, CancellationToken cancel = default)
    {
        var cache = Path.GetFullPath(cacheDir);
        // make, which Verilator's build runs, takes a ':' in a path for a rule separator and fails deep in the build.
        if (cache.Contains(':'))
            throw new ArgumentException($"cannot build with Verilator under '{cache}': the path contains ':', which make cannot handle; use a build directory whose path has no ':'");
        var flags = Flags(design, trace, profile);
        var key = Key(design, flags, profile);
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
        var obj = Path.Combine(staging.Path, "obj");
        var args = new List<string>(flags) { "-Mdir", obj };
        args.AddRange(design.HarnessFiles.Where(f => f.EndsWith(".cpp", StringComparison.Ordinal)).Select(f => Path.Combine(design.OutDir, f)));
        args.AddRange(design.RtlFiles.Select(f => Path.Combine(design.OutDir, f)));
        var r = ExternalTool.RunChecked("verilator", args, staging.Path, BuildTimeout, cancel);
        var log = r.Stdout + r.Stderr;
        if (profile == VerilatorProfile.Quick) log += Make(obj, cache, trace, cancel);
        File.WriteAllText(Path.Combine(staging.Path, "build.log"), log);
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

    /// <summary>
    /// Raised Verilator limits: hdl/post_lane.v unrolls one generate iteration per entry of its 2^a-entry
    /// table, and Verilator stops unrolling past 1024 by default (a = 11 and 12 would not build).
    /// </summary>
    public static readonly IReadOnlyList<string> LimitFlags = ["--unroll-count", (1 << RtlValidator.MaxPostActivationBits).ToString(System.Globalization.CultureInfo.InvariantCulture)];

    /// <summary>The Verilator flags of the optimized profile, without the output folder and the sources.</summary>
    public static IReadOnlyList<string> Flags(RtlDesign design, bool trace) => Flags(design, trace, VerilatorProfile.Optimized);

    /// <summary>The Verilator flags, without the output folder and the sources.</summary>
    public static IReadOnlyList<string> Flags(RtlDesign design, bool trace, VerilatorProfile profile)
    {
        var simDir = Path.Combine(design.OutDir, "sim");
        var f = new List<string> { "--cc", "--exe" };
        // The quick profile runs make itself, to put the shared runtime objects in place first.
        if (profile == VerilatorProfile.Optimized) f.AddRange(["--build", "-O2"]);
        f.AddRange(
        [
            "-DQH_TAPS", "-DQH_STALLS", .. LimitFlags,
            "--top-module", design.TopModule, "--prefix", "Vqh_top",
            "-j", "2", "-CFLAGS", $"-I{simDir}", "-o", Executable,
        ]);
        if (trace) f.Add("--trace-fst");
        return f;
    }

    /// <summary>
    /// Runs the generated makefile in <paramref name="obj"/> at -O0. Two things do not depend on the
    /// design, only on the Verilator version and on tracing, and are made once per cache folder by the
    /// first quick build, in <c>cacheDir/runtime-*</c>: Verilator's runtime objects, copied (newer than
    /// their sources, so make skips them) into every later build, and a precompiled verilated.h, which
    /// every C++ file includes first (<c>OPT=-include runtime/verilated.h</c>; gcc takes
    /// <c>verilated.h.gch</c> beside it and falls back to the header itself if the PCH does not fit).
    /// </summary>
    private static string Make(string obj, string cacheDir, bool trace, CancellationToken cancel)
    {
        var runtime = Path.Combine(cacheDir, $"runtime-{Hash(VerilatorVersion() + "\npch")}{(trace ? "-fst" : "")}");
        var log = new StringBuilder();
        if (!RuntimeFiles.All(f => File.Exists(Path.Combine(runtime, f))))
        {
            var staging = runtime + $".build.{Environment.ProcessId}.{Guid.NewGuid():N}";
            Directory.CreateDirectory(staging);
            try
            {
                log.Append(Precompile(obj, staging, cancel));
                var r = ExternalTool.RunChecked("make", ["-C", obj, "-f", "Vqh_top.mk", "-j", "1", .. QuickMakeFlags, Include(staging), .. RuntimeObjects], obj, BuildTimeout, cancel);
                log.Append(r.Stdout).Append(r.Stderr);
                foreach (var o in RuntimeObjects) File.Copy(Path.Combine(obj, o), Path.Combine(staging, o));
                Directory.Move(staging, runtime);
            }
            catch (IOException) when (RuntimeFiles.All(f => File.Exists(Path.Combine(runtime, f))))
            {
                // Another build stored them first; theirs are the same.
            }
            finally
            {
                if (Directory.Exists(staging)) Directory.Delete(staging, true);
            }
        }
        foreach (var o in RuntimeObjects)
        {
            var dst = Path.Combine(obj, o);
            File.Copy(Path.Combine(runtime, o), dst, overwrite: true);
            File.SetLastWriteTimeUtc(dst, DateTime.UtcNow);
        }
        var m = ExternalTool.RunChecked("make", ["-C", obj, "-f", "Vqh_top.mk", "-j", "1", .. QuickMakeFlags, Include(runtime), Executable], obj, BuildTimeout, cancel);
        return log.Append(m.Stdout).Append(m.Stderr).ToString();
    }

    /// <summary>The files of a complete runtime folder.</summary>
    private static readonly string[] RuntimeFiles = [.. RuntimeObjects, "verilated.h", "verilated.h.gch"];

    private static string Include(string runtime) => $"OPT=-include {Path.Combine(runtime, "verilated.h")}";

    /// <summary>
    /// Copies verilated.h into <paramref name="dir"/> and precompiles it there with the exact flags the
    /// generated makefile compiles with (asked from make itself).
    /// </summary>
    private static string Precompile(string obj, string dir, CancellationToken cancel)
    {
        var flags = ExternalTool.RunChecked("make",
            ["-s", "-C", obj, "-f", "Vqh_top.mk", .. QuickMakeFlags, "--eval=qh-print-flags: ; @echo $(VERILATOR_ROOT) $(CXX) $(CXXFLAGS) $(CPPFLAGS) $(OPT_FAST)", "qh-print-flags"],
            obj, BuildTimeout, cancel).Stdout.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var header = Path.Combine(dir, "verilated.h");
        File.Copy(Path.Combine(flags[0], "include", "verilated.h"), header);
        // -MMD would write a dependency file next to the PCH; the PCH has no make rule to feed.
        var args = flags.Skip(2).Where(f => f != "-MMD" && f != "-MP").Concat(["-x", "c++-header", header, "-o", header + ".gch"]);
        var r = ExternalTool.RunChecked(flags[1], args, obj, BuildTimeout, cancel);
        return r.Stdout + r.Stderr;
    }

    private static string Hash(string text) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16].ToLowerInvariant();

    private static string Key(RtlDesign design, IReadOnlyList<string> flags, VerilatorProfile profile)
    {
        using var sha = SHA256.Create();
        var sb = new StringBuilder();
        sb.Append(VerilatorVersion()).Append('\n').Append(profile).Append('\n');
        if (profile == VerilatorProfile.Quick) sb.AppendJoin(' ', QuickMakeFlags).Append('\n');
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
