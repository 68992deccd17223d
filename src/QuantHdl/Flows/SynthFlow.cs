using System.Text.Json;
using System.Text.Json.Nodes;
using QuantHdl.Artifacts;
using QuantHdl.Compiler.Ir;
using QuantHdl.Hardware;
using QuantHdl.Hardware.Estimates;
using QuantHdl.Verification.Synthesis;

namespace QuantHdl.Flows;

/// <summary>Options of the synth stage.</summary>
/// <param name="Family">The family to synthesize for.</param>
/// <param name="Device">iCE40 device for nextpnr (hx8k or up5k); null for xc7, which has no place and route here.</param>
/// <param name="WholeLimit">Time limit of the whole-design synthesis; it is skipped (and said so) past it.</param>
/// <param name="Jobs">Layers synthesized at the same time.</param>
public sealed record SynthOptions(FpgaFamily Family, string? Device, TimeSpan WholeLimit, int Jobs = 1);

/// <summary>
/// The synth stage (docs/estimation.md "Synthesis"): Yosys on every layer of a build out of context, nextpnr-ice40 on
/// a registered wrapper of each for its Fmax, then the whole design within a time limit. Results are cached in
/// <c>BUILD/synth-cache/</c> by the hash of the RTL, so a rerun starts no tool; <c>BUILD/synth.json</c> holds the
/// cell counts beside the estimate. A layer or design that nextpnr cannot place on the device is recorded as not
/// fitting (<c>does_not_fit</c>: nextpnr's reason, <c>fmax_mhz</c> null, Yosys' counts kept) and the run goes on.
/// </summary>
public static class SynthFlow
{
    /// <summary>The report, at the top of the build directory.</summary>
    public const string ReportFile = "synth.json";

    /// <summary>The cache folder inside the build.</summary>
    public const string CacheDir = "synth-cache";

    /// <summary>Synthesizes the build's layers and design; writes synth.json and returns its text.</summary>
    public static JsonObject Run(string buildDir, SynthOptions o, IFlowReporter r)
    {
        buildDir = Path.GetFullPath(buildDir);
        var graph = IrJson.Load(Path.Combine(buildDir, CompileFlow.IrFile));
        var rtlDir = Path.Combine(buildDir, "rtl");
        if (!Directory.Exists(rtlDir)) throw new IrException($"{rtlDir} is missing; run 'quanthdl emit --build {buildDir}' first");
        if (o.Family == FpgaFamily.Xc7 && o.Device is not null) throw new ArgumentException("--device names an iCE40 part; xc7 has no place and route here");
        if (o.Device is not null and not ("hx8k" or "up5k")) throw new ArgumentException($"--device '{o.Device}' is unknown; use hx8k or up5k");
        if (o.Jobs < 1) throw new ArgumentException($"--jobs {o.Jobs} must be positive");
        // The tools are checked first, so a missing one is one line before any work.
        Synthesizer.Find("yosys");
        if (o.Device is not null) Synthesizer.Find("nextpnr-ice40");
        var rtl = LayerJobs.Read(rtlDir);
        var design = RtlDesign.Load(buildDir);
        string prefix = RtlEmitter.ModulePrefix(graph.Name);
        ArtifactMarker.Record(buildDir, CacheDir, ReportFile);
        var synth = new Synthesizer(Path.Combine(buildDir, CacheDir), TimeSpan.FromMinutes(30));
        var estimate = ResourceEstimator.Of(graph, o.Family);
        var layers = graph.Nodes.Where(n => n.Op.Kind != OpKind.Input).ToList();
        var results = new SynthResult[layers.Count];
        r.Progress($"synth {layers.Count} layers ({FpgaFamilies.Name(o.Family)}{(o.Device is null ? "" : ", nextpnr " + o.Device)})", layers.Count, advance =>
        {
            Parallel.For(0, layers.Count, new ParallelOptions { MaxDegreeOfParallelism = o.Jobs }, i =>
            {
                results[i] = synth.Run(LayerJobs.For(rtl, prefix, layers[i].Name, o.Family, device: o.Device));
                advance(1);
            });
        });
        var layerJson = new JsonArray();
        for (int i = 0; i < layers.Count; i++)
        {
            var e = estimate.Nodes.Single(x => x.Node == layers[i].Name).Estimate;
            layerJson.Add(Entry(layers[i].Name, results[i], e));
            r.Info($"{layers[i].Name,-10} LUT {results[i].Cells.Lut,6} (est {e.Lut,6})  FF {results[i].Cells.Ff,6} (est {e.Ff,6})  DSP {results[i].Cells.Dsp,3} (est {e.Dsp,3})  BRAM {results[i].Cells.Bram,3} (est {e.Bram,3})"
                   + Placed(results[i], o.Device) + (results[i].Cached ? "  (cached)" : ""));
        }
        JsonNode whole;
        try
        {
            SynthResult w = null!;
            r.Progress($"synth whole design (limit {o.WholeLimit.TotalSeconds:F0} s)", 1, advance =>
            {
                var wholeSynth = new Synthesizer(Path.Combine(buildDir, CacheDir), o.WholeLimit);
                w = wholeSynth.Run(LayerJobs.Whole(rtl, design.TopModule, o.Family, device: o.Device));
                advance(1);
            });
            whole = Entry(design.TopModule, w, null);
            r.Info($"whole      LUT {w.Cells.Lut,6} (est {estimate.Lut,6})  FF {w.Cells.Ff,6}  DSP {w.Cells.Dsp,3}  BRAM {w.Cells.Bram,3}" + Placed(w, o.Device) + (w.Cached ? "  (cached)" : ""));
        }
        catch (TimeoutException e)
        {
            whole = new JsonObject { ["skipped"] = e.Message };
            r.Info($"whole design skipped: {e.Message}");
        }
        var report = new JsonObject
        {
            ["format"] = "quanthdl-synth",
            ["version"] = 1,
            ["target"] = FpgaFamilies.Name(o.Family),
            ["device"] = o.Device,
            ["layers"] = layerJson,
            ["whole"] = whole,
        };
        AtomicFile.WriteAllText(Path.Combine(buildDir, ReportFile), report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return report;
    }

    /// <summary>The place-and-route part of a result's line: its Fmax, or that it does not fit the device and why.</summary>
    private static string Placed(SynthResult s, string? device) =>
        s.DoesNotFit is { } why ? $"  does not fit {device}: {why}" : s.FmaxMhz is double f ? $"  Fmax {f:F1} MHz" : "";

    private static JsonObject Entry(string name, SynthResult s, ResourceEstimate? e)
    {
        var o = new JsonObject
        {
            ["node"] = name,
            ["lut"] = s.Cells.Lut,
            ["ff"] = s.Cells.Ff,
            ["dsp"] = s.Cells.Dsp,
            ["bram"] = s.Cells.Bram,
            ["carry"] = s.Cells.Carry,
            ["fmax_mhz"] = s.FmaxMhz,
            ["does_not_fit"] = s.DoesNotFit,
            ["seconds"] = Math.Round(s.Seconds, 2),
            ["rtl_hash"] = s.Key,
        };
        if (e is not null)
            o["estimate"] = new JsonObject { ["lut"] = e.Lut, ["ff"] = e.Ff, ["dsp"] = e.Dsp, ["bram"] = e.Bram, ["cycles"] = e.Cycles, ["latency"] = e.Latency };
        return o;
    }
}
