using System.Text.Json;
using System.Text.Json.Nodes;
using QuantHdl.Artifacts;
using QuantHdl.Compiler.Ir;
using QuantHdl.Hardware.Estimates;
using QuantHdl.Hardware.FoldSearch;
using QuantHdl.Reports;

namespace QuantHdl.Flows;

/// <summary>Options of the report stage.</summary>
/// <param name="Family">The estimate's family; null takes synth.json's, else folding.json's, else xc7.</param>
/// <param name="FmaxMhz">The clock of throughput and latency; null takes nextpnr's from synth.json, else the documented default.</param>
/// <param name="Screenshot">A PNG to render report.html into with headless Chromium, or null.</param>
/// <param name="Study">A folder of <c>quanthdl study multipliers</c> (or its multipliers.json) whose table the report shows, or null.</param>
public sealed record ReportOptions(FpgaFamily? Family = null, double? FmaxMhz = null, string? Screenshot = null, string? Study = null);

/// <summary>
/// The report stage (docs/report.md): reads a build's ir.json, and where present synth.json, simulate.json,
/// verify.json and folding.json, and writes report.html, report.md and report.json beside them.
/// </summary>
public static class ReportFlow
{
    /// <summary>Writes the report of <paramref name="buildDir"/>; returns the path of report.html.</summary>
    public static string Run(string buildDir, ReportOptions o, IFlowReporter r)
    {
        string shown = buildDir;
        buildDir = Path.GetFullPath(buildDir);
        var graph = IrJson.Load(Path.Combine(buildDir, CompileFlow.IrFile));
        if (o.Screenshot is string png)
        {
            if (Directory.Exists(png)) throw new IOException($"--screenshot {png} is a directory; name a .png file");
            if (!png.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"--screenshot {png} must name a .png file");
            if (File.Exists(png)) throw new IOException($"--screenshot {png} exists; remove it or choose another path");
        }
        var folding = Path.Combine(buildDir, CompileFlow.FoldingFile);
        var src = new ReportSources(shown, graph,
            Json(Path.Combine(buildDir, SynthFlow.ReportFile)),
            Json(Path.Combine(buildDir, SimulateFlow.ReportFile)),
            Json(Path.Combine(buildDir, VerifyFlow.ReportFile)),
            File.Exists(folding) ? FoldingCurve.Load(folding) : null,
            o.Study is null ? null : StudyJson(o.Study));
        var report = DesignReport.Build(src, o.Family, o.FmaxMhz);
        var paths = ReportFiles.Write(buildDir, report);
        paths = paths.Select(p => Path.Combine(shown, Path.GetFileName(p))).ToList();
        r.Info($"{report.Graph}: {report.EstimateTotal.Lut} LUT, {report.EstimateTotal.Ff} FF, {report.EstimateTotal.Dsp} DSP, {report.EstimateTotal.Bram} BRAM estimated on {FpgaFamilies.Name(report.Family)}; " +
               $"{report.FramesPerSecond:N0} frames/s and {report.LatencyMicroseconds:0.##} µs at {report.FmaxMhz:0.##} MHz ({report.FmaxSource})");
        if (o.Screenshot is string shot)
        {
            // Rendered beside its final path and moved there, so a failed render leaves no partial PNG.
            var full = Path.GetFullPath(shot);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            var tmp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp.png");
            CleanupRegistry.AddPath(tmp);
            try
            {
                HeadlessChromium.Screenshot(paths[0], tmp);
                File.Move(tmp, full);
            }
            finally
            {
                if (File.Exists(tmp)) File.Delete(tmp);
                CleanupRegistry.RemovePath(tmp);
            }
            r.Info($"screenshot {Path.GetFullPath(shot)}");
        }
        r.Info($"wrote {string.Join(", ", paths)}");
        return paths[0];
    }

    private static JsonObject StudyJson(string path)
    {
        var file = Directory.Exists(path) ? Path.Combine(path, StudyFlow.JsonFile) : path;
        if (!File.Exists(file)) throw new FileNotFoundException($"--study {path}: {file} does not exist; run 'quanthdl study multipliers --out DIR' first");
        var study = Json(file)!;
        if ((string?)study["format"] != "quanthdl-multiplier-study") throw new MalformedFileException(file, null, "not a multiplier study (format is not quanthdl-multiplier-study)");
        return study;
    }

    private static JsonObject? Json(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new MalformedFileException(path, null, "empty");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new MalformedFileException(path, null, e.Message);
        }
    }
}
