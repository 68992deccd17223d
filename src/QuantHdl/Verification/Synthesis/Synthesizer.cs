using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using QuantHdl.Artifacts;
using QuantHdl.Hardware.Estimates;
using QuantHdl.Verification.Verilator;

namespace QuantHdl.Verification.Synthesis;

/// <summary>
/// One out-of-context synthesis: module <paramref name="Top"/> of <paramref name="Files"/> (name, Verilog text) for
/// <paramref name="Family"/>; <paramref name="NoDsp"/> maps multipliers to LUTs (xc7 <c>-nodsp</c>; iCE40 never
/// uses SB_MAC16 here). <paramref name="Device"/> (iCE40 only: <c>hx8k</c> or <c>up5k</c>) also places and routes
/// <see cref="RegisteredWrapper"/> around the module with nextpnr-ice40 for its Fmax.
/// </summary>
public sealed record SynthJob(string Top, IReadOnlyList<(string Name, string Text)> Files, FpgaFamily Family, bool NoDsp = false, string? Device = null);

/// <summary>
/// What a synthesis gave: the cell counts, the Fmax in MHz where placed and routed, the run time, whether it came from
/// the cache, and <paramref name="DoesNotFit"/>: null, or nextpnr's one-line reason when the module does not fit the
/// device (then there is no Fmax; the cell counts are Yosys').
/// </summary>
public sealed record SynthResult(CellReport Cells, double? FmaxMhz, double Seconds, bool Cached, string Key, string? DoesNotFit = null);

/// <summary>
/// Runs Yosys (and nextpnr-ice40) on <see cref="SynthJob"/>s and caches each result under the SHA-256 of everything
/// that decides it: the tool versions, the script, and every file's name and text (docs/estimation.md "Synthesis").
/// A rerun of the same RTL reads the cached result and starts no tool.
/// </summary>
public sealed partial class Synthesizer
{
    private readonly string _cacheDir;
    private readonly TimeSpan _timeout;

    /// <summary>A synthesizer caching in <paramref name="cacheDir"/>, stopping any tool run after <paramref name="timeout"/>.</summary>
    public Synthesizer(string cacheDir, TimeSpan timeout)
    {
        _cacheDir = Path.GetFullPath(cacheDir);
        _timeout = timeout;
    }

    /// <summary>The nextpnr clock target in MHz; the achieved Fmax is reported whether or not it is met.</summary>
    public const int PnrTargetMhz = 100;

    /// <summary>The Yosys script of a job, reading the files from the working directory.</summary>
    public static string Script(SynthJob job, string top)
    {
        var read = "read_verilog -sv " + string.Join(' ', job.Files.Select(f => f.Name)) + (job.Device is null ? "" : " " + WrapperFile);
        string synth = job.Family switch
        {
            FpgaFamily.Xc7 => $"synth_xilinx -family xc7 -flatten -noiopad -top {top}" + (job.NoDsp ? " -nodsp" : ""),
            FpgaFamily.Ice40 => $"synth_ice40 -top {top}" + (job.Device is null ? "" : " -json net.json"),
        };
        return $"{read}\n{synth}\ntee -q -o stat.json stat -json\n";
    }

    private const string WrapperFile = "qh_pnr_wrap.v";

    /// <summary>The cache key of a job.</summary>
    public static string Key(SynthJob job)
    {
        var sb = new StringBuilder();
        sb.Append("quanthdl-synth 1\n").Append(ToolVersion("yosys", "-V")).Append('\n');
        if (job.Device is not null) sb.Append(ToolVersion("nextpnr-ice40", "--version")).Append(job.Device).Append('\n');
        sb.Append(Script(job, job.Top));
        foreach (var (name, text) in job.Files.OrderBy(f => f.Name, StringComparer.Ordinal))
            sb.Append("file ").Append(name).Append(' ').Append(text.Length.ToString(CultureInfo.InvariantCulture)).Append('\n').Append(text);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()))).ToLowerInvariant();
    }

    private static readonly Dictionary<string, string> Versions = new();

    private static string ToolVersion(string tool, string flag)
    {
        lock (Versions)
        {
            if (Versions.TryGetValue(tool, out var v)) return v;
            var r = ExternalTool.Run(Find(tool), [flag], Path.GetTempPath(), TimeSpan.FromSeconds(30));
            v = (r.Stdout + r.Stderr).Trim();
            Versions[tool] = v;
            return v;
        }
    }

    /// <summary>The tool's path; a missing tool is a one-line error naming its Debian package.</summary>
    public static string Find(string tool)
    {
        try
        {
            return ExternalTool.Find(tool);
        }
        catch (ToolNotFoundException)
        {
            throw new ToolNotFoundException($"'{tool}' is not on PATH; install it with `apt-get install {tool}`");
        }
    }

    /// <summary>The cached result of a job, or null.</summary>
    public SynthResult? Cached(SynthJob job)
    {
        var key = Key(job);
        var file = Path.Combine(_cacheDir, key + ".json");
        if (!File.Exists(file)) return null;
        var stored = JsonSerializer.Deserialize<Stored>(File.ReadAllText(file))
                     ?? throw new MalformedFileException(file, 1, "not a synthesis result");
        return new SynthResult(CellReport.FromCells(stored.Cells, job.Family), stored.FmaxMhz, stored.Seconds, true, key, stored.DoesNotFit);
    }

    /// <summary>Synthesizes a job, or returns its cached result.</summary>
    public SynthResult Run(SynthJob job)
    {
        if (Cached(job) is { } hit) return hit;
        var key = Key(job);
        Directory.CreateDirectory(_cacheDir);
        using var work = StagingFolder.Create(_cacheDir, key[..16]);
        var dir = work.Path;
        foreach (var (name, text) in job.Files) File.WriteAllText(Path.Combine(dir, name), text);
        string top = job.Top;
        if (job.Device is not null)
        {
            if (job.Family != FpgaFamily.Ice40) throw new ArgumentException($"place and route runs for ice40 only, not {FpgaFamilies.Name(job.Family)}");
            File.WriteAllText(Path.Combine(dir, WrapperFile), RegisteredWrapper.For(job.Files.First(f => f.Name == job.Top + ".v").Text, job.Top));
            top = RegisteredWrapper.ModuleName;
        }
        File.WriteAllText(Path.Combine(dir, "synth.ys"), Script(job, top));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        ExternalTool.RunChecked(Find("yosys"), ["-q", "-l", "yosys.log", "-s", "synth.ys"], dir, _timeout);
        var cells = CellReport.FromStatJson(File.ReadAllText(Path.Combine(dir, "stat.json")), job.Family);
        double? fmax = null;
        string? doesNotFit = null;
        if (job.Device is not null)
        {
            var pnr = ExternalTool.Run(Find("nextpnr-ice40"),
                [$"--{job.Device}", "--package", job.Device == "up5k" ? "sg48" : "ct256", "--json", "net.json", "--freq", PnrTargetMhz.ToString(CultureInfo.InvariantCulture),
                 "--timing-allow-fail", "--seed", "1", "--report", "report.json", "-q", "-l", "nextpnr.log"], dir, _timeout);
            var log = File.Exists(Path.Combine(dir, "nextpnr.log")) ? File.ReadAllText(Path.Combine(dir, "nextpnr.log")) : "";
            if (pnr.ExitCode == 0) fmax = ReadFmax(File.ReadAllText(Path.Combine(dir, "report.json")));
            else
                doesNotFit = NotFitReason(log + "\n" + pnr.Stdout + "\n" + pnr.Stderr)
                             ?? throw new InvalidOperationException($"nextpnr-ice40 failed on {job.Top} (exit {pnr.ExitCode}):\n{pnr.Stderr}{pnr.Stdout}");
        }
        var seconds = watch.Elapsed.TotalSeconds;
        var stored = new Stored(new Dictionary<string, int>(cells.Cells), fmax, seconds, doesNotFit);
        AtomicFile.WriteAllText(Path.Combine(_cacheDir, key + ".json"), JsonSerializer.Serialize(stored));
        return new SynthResult(cells, fmax, seconds, false, key, doesNotFit);
    }

    /// <summary>
    /// The reason nextpnr gave for a design that does not fit the device, as one line, from its log: the first
    /// <c>ERROR:</c> line that says the design uses more of a cell type than the device has, or cannot be placed.
    /// Null when the failure is something else (which is then an error, not a result).
    /// </summary>
    public static string? NotFitReason(string log)
    {
        foreach (var raw in log.Split('\n'))
        {
            var line = raw.Trim();
            int at = line.IndexOf("ERROR:", StringComparison.Ordinal);
            if (at < 0) continue;
            var reason = line[(at + "ERROR:".Length)..].Trim();
            if (!NotFit().IsMatch(reason)) continue;
            // Yosys' generated cell names run to a hundred characters; the reason keeps their end.
            return System.Text.RegularExpressions.Regex.Replace(reason, @"'([^']{48,})'", m => "'..." + m.Groups[1].Value[^32..] + "'");
        }
        return null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"device (only )?has|too many|unable to place|failed to place|not enough|no (free|legal) (bel|location)", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex NotFit();

    /// <summary>The lowest achieved clock frequency of a nextpnr <c>--report</c> file (the wrapper has one clock).</summary>
    public static double? ReadFmax(string reportJson)
    {
        using var doc = JsonDocument.Parse(reportJson);
        if (!doc.RootElement.TryGetProperty("fmax", out var fmax)) return null;
        double? lowest = null;
        foreach (var clock in fmax.EnumerateObject())
        {
            double achieved = clock.Value.GetProperty("achieved").GetDouble();
            lowest = lowest is double l ? Math.Min(l, achieved) : achieved;
        }
        return lowest;
    }

    private sealed record Stored(Dictionary<string, int> Cells, double? FmaxMhz, double Seconds, string? DoesNotFit = null);
}
