using System.Globalization;
using QuantHdl.Hardware.Estimates;

namespace QuantHdl.Reports;

/// <summary>
/// One table of the report, as text cells: the HTML and the Markdown report print the same tables
/// (<see cref="Of"/>), so the two never disagree.
/// </summary>
public sealed record ReportTable(string Id, string Title, IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows, string? Note = null)
{
    /// <summary>The tables of <paramref name="r"/>, in report order; a table whose source is missing is left out.</summary>
    public static IReadOnlyList<ReportTable> Of(DesignReport r)
    {
        var tables = new List<ReportTable> { Layers(r), Timing(r) };
        if (r.Accuracies is not null || r.Verified is not null) tables.Add(Checks(r));
        if (r.Folding is not null) tables.Add(Folding(r));
        if (r.Study is not null) tables.Add(Study(r.Study));
        return tables;
    }

    /// <summary>The multiplier study's cases: LUTs of one MAC lane and the ratio to uniform weights, per family.</summary>
    private static ReportTable Study(System.Text.Json.Nodes.JsonObject study)
    {
        var cases = study["cases"]!.AsArray().Select(c => c!.AsObject()).ToList();
        string Label(System.Text.Json.Nodes.JsonObject c) => (string)c["label"]!;
        var families = cases.Select(c => (string)c["family"]!).Distinct().ToList();
        var header = new List<string> { "weights, activations" };
        foreach (var f in families) header.AddRange([$"{f} LUT/lane", $"{f} vs uniform"]);
        var rows = new List<IReadOnlyList<string>>();
        foreach (var label in cases.Select(Label).Distinct())
        {
            var row = new List<string> { label };
            foreach (var f in families)
            {
                var c = cases.First(x => Label(x) == label && (string)x["family"]! == f);
                row.Add(c["lut_per_lane"] is { } l ? ((double)l).ToString("F1", CultureInfo.InvariantCulture) : "n/a");
                row.Add(c["ratio_to_uniform"] is { } q ? ((double)q).ToString("F2", CultureInfo.InvariantCulture) + "x" : "");
            }
            rows.Add(row);
        }
        return new ReportTable("multipliers", "Multiplier cost: LUTs of one MAC lane", header, rows,
            $"From 'quanthdl study multipliers': hdl/mac_array.v at {(int)study["lanes"]!} x {(int)study["rows_per_array"]!} lanes, synthesized by Yosys; LUTs divided by the lanes (docs/multipliers.md). n/a: the code cannot hold the width.");
    }

    private static ReportTable Layers(DesignReport r)
    {
        bool synth = r.Layers.Any(l => l.Synth is not null);
        var header = new List<string> { "node", "kind", "fold", "cycles/frame", "latency", "LUT", "FF", "DSP", "BRAM" };
        if (synth) header.AddRange(["Yosys LUT", "Yosys FF", "Yosys DSP", "Yosys BRAM", "LUT error"]);
        bool pnr = synth && r.Device is not null;
        if (pnr) header.Add($"nextpnr {r.Device}");
        var rows = new List<IReadOnlyList<string>>();
        foreach (var l in r.Layers)
        {
            var row = new List<string> { l.Node, l.Kind, l.Fold ?? "", N(l.Cycles), N(l.Latency), N(l.Estimate.Lut), N(l.Estimate.Ff), N(l.Estimate.Dsp), N(l.Estimate.Bram) };
            if (synth) row.AddRange(SynthCells(l.Estimate, l.Synth));
            if (pnr) row.Add(Placed(l.FmaxMhz, l.DoesNotFit, r.Device!));
            rows.Add(row);
        }
        var total = new List<string> { "total", "", "", N(r.Interval) + " (II)", N(r.LatencyCycles), N(r.EstimateTotal.Lut), N(r.EstimateTotal.Ff), N(r.EstimateTotal.Dsp), N(r.EstimateTotal.Bram) };
        if (synth) total.AddRange(SynthCells(r.EstimateTotal, r.SynthTotal));
        if (pnr) total.Add("");
        rows.Add(total);
        if (synth && r.SynthWhole is { } w)
        {
            var whole = new List<string> { "whole design", "", "", "", "", "", "", "", "", N(w.Lut), N(w.Ff), N(w.Dsp), N(w.Bram), Error(r.EstimateTotal.Lut, w.Lut) };
            if (pnr) whole.Add(Placed(r.WholeFmaxMhz, r.WholeDoesNotFit, r.Device!));
            rows.Add(whole);
        }
        string family = FpgaFamilies.Name(r.Family);
        return new ReportTable("layers", $"Resources per node ({family})", header, rows,
            $"Estimate: the analytic estimator (docs/estimation.md). Yosys: out-of-context synthesis per layer from synth.json. LUT error = (estimate - Yosys) / Yosys."
            + (pnr ? $" nextpnr {r.Device}: Fmax of the layer in a registered wrapper, or 'does not fit' with nextpnr's reason below." : "")
            + string.Concat(r.Layers.Where(l => l.DoesNotFit is not null).Select(l => $" {l.Node}: {l.DoesNotFit}."))
            + (r.WholeDoesNotFit is null ? "" : $" whole design: {r.WholeDoesNotFit}.")
            + (r.SynthNote is null ? "" : " " + r.SynthNote + "."));
    }

    /// <summary>A nextpnr cell: the Fmax, or that the module does not fit the device.</summary>
    private static string Placed(double? fmax, string? doesNotFit, string device) =>
        doesNotFit is not null ? $"does not fit {device}" : fmax is double f ? $"{D(f)} MHz" : "";

    private static IEnumerable<string> SynthCells(DesignReport.Cells e, DesignReport.Cells? s) =>
        s is null ? ["", "", "", "", ""] : [N(s.Lut), N(s.Ff), N(s.Dsp), N(s.Bram), Error(e.Lut, s.Lut)];

    private static ReportTable Timing(DesignReport r)
    {
        var rows = new List<IReadOnlyList<string>>
        {
            new[] { "clock", $"{D(r.FmaxMhz)} MHz", r.FmaxSource },
            new[] { "initiation interval", $"{N(r.Interval)} cycles", $"set by {r.Bottleneck}" },
            new[] { "throughput", $"{N((long)Math.Round(r.FramesPerSecond))} frames/s", "fmax / II" },
            new[] { "latency", $"{N(r.LatencyCycles)} cycles = {D(r.LatencyMicroseconds)} µs", "first input beat to last output beat" },
        };
        if (r.Verified is { } v)
        {
            if (v.MeasuredInterval is double ii) rows.Add(["measured interval (Verilator)", $"{D(ii)} cycles", v.AnalyticInterval is long a ? $"analytic {N(a)}" : ""]);
            if (v.LatencyCycles is long lat) rows.Add(["measured latency (Verilator)", $"{N(lat)} cycles = {D(lat / r.FmaxMhz)} µs", ""]);
        }
        return new ReportTable("timing", "Latency and throughput", ["figure", "value", "from"], rows);
    }

    private static ReportTable Checks(DesignReport r)
    {
        var rows = new List<IReadOnlyList<string>>();
        if (r.Accuracies is { } a)
        {
            rows.Add(["golden integer accuracy", P(a.Integer), $"{N(a.Samples)} test images (simulate.json)"]);
            rows.Add(["fake-quant accuracy", P(a.FakeQuant), "the QAT model"]);
            rows.Add(["identical predictions", $"{N(a.Identical)}/{N(a.Samples)}", P((double)a.Identical / a.Samples)]);
        }
        if (r.Verified is { } v)
            foreach (var run in v.Runs)
                rows.Add([$"RTL bit-exact, {run.Name}", $"{N(run.BitExact)}/{N(run.Samples)}", $"{N(run.Mismatches)} mismatches, {N(run.TotalCycles)} cycles (verify.json)"]);
        return new ReportTable("checks", "Accuracy and bit-exactness", ["check", "result", "detail"], rows);
    }

    private static ReportTable Folding(DesignReport r)
    {
        var f = r.Folding!;
        var rows = f.Points.Select(p => (IReadOnlyList<string>)new[]
        {
            p.Interval == f.Chosen.Interval && p.Lut == f.Chosen.Lut ? "chosen" : "",
            N(p.Interval), N((long)Math.Round(p.FramesPerSecond(r.FmaxMhz))), N(p.Lut), N(p.Ff), N(p.Dsp), N(p.Bram), p.FoldText,
        }).ToList();
        if (!f.ChosenIsOnCurve)
            rows.Add(["chosen (off the curve)", N(f.Chosen.Interval), N((long)Math.Round(f.Chosen.FramesPerSecond(r.FmaxMhz))), N(f.Chosen.Lut), N(f.Chosen.Ff), N(f.Chosen.Dsp), N(f.Chosen.Bram), f.Chosen.FoldText]);
        return new ReportTable("folding", $"Folding trade-off ({f.Goal}; LUTs estimated on {FpgaFamilies.Name(f.Family)})",
            ["", "II (cycles)", $"frames/s at {D(r.FmaxMhz)} MHz", "LUT", "FF", "DSP", "BRAM", "folding (compile --fold)"], rows,
            "The Pareto points of folding.json: for each initiation interval the cheapest legal folding, fastest first.");
    }

    /// <summary>An integer with thousands separators.</summary>
    internal static string N(long v) => v.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>A decimal with up to two places.</summary>
    internal static string D(double v) => v.ToString("#,0.##", CultureInfo.InvariantCulture);

    /// <summary>A share as a percentage with two places.</summary>
    internal static string P(double v) => (v * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    /// <summary>(estimate - reference) / reference as a signed percentage; empty for a zero reference.</summary>
    internal static string Error(long estimate, long reference) =>
        reference == 0 ? (estimate == 0 ? "0%" : "") : ((estimate - reference) * 100.0 / reference).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + "%";
}
