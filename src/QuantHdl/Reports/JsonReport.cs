using System.Text.Json;
using System.Text.Json.Nodes;
using QuantHdl.Hardware.Estimates;

namespace QuantHdl.Reports;

/// <summary>report.json: every figure of the report for machines (format <c>quanthdl-report</c>, version 1).</summary>
public static class JsonReport
{
    /// <summary>The generator marker, the <c>generator</c> field; <see cref="ReportFiles"/> overwrites only a report.json carrying it.</summary>
    public const string Marker = "\"generator\": \"quanthdl report\"";

    /// <summary>The JSON text of <paramref name="r"/>.</summary>
    public static string Render(DesignReport r)
    {
        var o = new JsonObject
        {
            ["format"] = "quanthdl-report",
            ["version"] = 1,
            ["generator"] = "quanthdl report",
            ["graph"] = r.Graph,
            ["target"] = FpgaFamilies.Name(r.Family),
            ["fmax_mhz"] = r.FmaxMhz,
            ["fmax_source"] = r.FmaxSource,
            ["initiation_interval_cycles"] = r.Interval,
            ["bottleneck"] = r.Bottleneck,
            ["latency_cycles"] = r.LatencyCycles,
            ["latency_us"] = r.LatencyMicroseconds,
            ["frames_per_second"] = r.FramesPerSecond,
            ["estimate_total"] = Cells(r.EstimateTotal),
            ["synth_total"] = r.SynthTotal is null ? null : Cells(r.SynthTotal),
            ["synth_whole"] = r.SynthWhole is null ? null : Cells(r.SynthWhole),
            ["synth_note"] = r.SynthNote,
            ["device"] = r.Device,
            ["whole_does_not_fit"] = r.WholeDoesNotFit,
            ["layers"] = new JsonArray(r.Layers.Select(l => (JsonNode)new JsonObject
            {
                ["node"] = l.Node,
                ["kind"] = l.Kind,
                ["fold"] = l.Fold,
                ["cycles"] = l.Cycles,
                ["latency"] = l.Latency,
                ["estimate"] = Cells(l.Estimate),
                ["synth"] = l.Synth is null ? null : Cells(l.Synth),
                ["fmax_mhz"] = l.FmaxMhz,
                ["does_not_fit"] = l.DoesNotFit,
            }).ToArray()),
            ["simulate"] = r.Accuracies is { } a ? new JsonObject
            {
                ["samples"] = a.Samples, ["integer_accuracy"] = a.Integer, ["fake_quant_accuracy"] = a.FakeQuant, ["identical_predictions"] = a.Identical,
            } : null,
            ["verify"] = r.Verified is { } v ? new JsonObject
            {
                ["passed"] = v.Passed,
                ["latency_cycles"] = v.LatencyCycles,
                ["initiation_interval_cycles"] = v.MeasuredInterval,
                ["analytic_interval_cycles"] = v.AnalyticInterval,
                ["runs"] = new JsonArray(v.Runs.Select(x => (JsonNode)new JsonObject
                {
                    ["name"] = x.Name, ["samples"] = x.Samples, ["bit_exact"] = x.BitExact, ["mismatches"] = x.Mismatches, ["total_cycles"] = x.TotalCycles, ["passed"] = x.Passed,
                }).ToArray()),
            } : null,
            ["folding"] = r.Folding is { } f ? JsonNode.Parse(f.ToJson()) : null,
            ["multiplier_study"] = r.Study?.DeepClone(),
        };
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static JsonObject Cells(DesignReport.Cells c) => new() { ["lut"] = c.Lut, ["ff"] = c.Ff, ["dsp"] = c.Dsp, ["bram"] = c.Bram };
}
