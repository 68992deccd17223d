using System.Net;
using System.Text;
using QuantHdl.Hardware.Estimates;
using static QuantHdl.Reports.ReportTable;

namespace QuantHdl.Reports;

/// <summary>
/// report.html: one self-contained page (inline CSS and SVG, no script, no external resource) that reads at a glance:
/// title, summary cards, the charts of <see cref="SvgChart"/>, then the tables of <see cref="ReportTable"/>.
/// </summary>
public static class HtmlReport
{
    /// <summary>The generator marker; <see cref="ReportFiles"/> overwrites only a report.html carrying it.</summary>
    public const string Marker = "<meta name=\"generator\" content=\"quanthdl report\">";

    private const string Estimate = "#2e86c1", Yosys = "#e67e22";

    /// <summary>The page of <paramref name="r"/>.</summary>
    public static string Render(DesignReport r)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">").Append(Marker)
          .Append($"<title>QuantHdl report: {E(r.Graph)}</title><style>{Css}</style></head><body>\n")
          .Append($"<h1>QuantHdl report: {E(r.Graph)}</h1>\n")
          .Append($"<p class=\"sub\">{E(FpgaFamilies.Name(r.Family))} estimate at {D(r.FmaxMhz)} MHz ({E(r.FmaxSource)}) &middot; build {E(r.BuildDir)}</p>\n");
        Cards(sb, r);
        sb.Append("<h2>Resources</h2><div class=\"grid\">");
        var hw = r.Layers.Where(l => l.Kind != "input").ToList();
        var labels = hw.Select(l => l.Node).ToList();
        foreach (var (id, name, pick) in Resources)
            sb.Append("<figure>").Append(SvgChart.Bars($"resource-{id}", $"{name} per node (estimate)", labels,
                [new SvgChart.Series("estimate", Estimate, hw.Select(l => (double)pick(l.Estimate)).ToList())], name)).Append("</figure>");
        sb.Append("</div>\n<h2>Estimate against synthesis</h2>");
        if (hw.Any(l => l.Synth is not null))
        {
            sb.Append("<div class=\"grid\">");
            foreach (var (id, name, pick) in Resources.Where(x => x.Id != "dsp"))
                sb.Append("<figure>").Append(SvgChart.Bars($"versus-{id}", $"{name}: estimate against Yosys", labels,
                [
                    new SvgChart.Series("estimate", Estimate, hw.Select(l => (double)pick(l.Estimate)).ToList()),
                    new SvgChart.Series("Yosys", Yosys, hw.Select(l => (double)(l.Synth is null ? 0 : pick(l.Synth))).ToList()),
                ], name)).Append("</figure>");
            sb.Append("</div>");
        }
        else sb.Append($"<p class=\"note\">{E(r.SynthNote ?? "no synthesis results")}</p>");
        sb.Append("\n<h2>Latency and throughput</h2><div class=\"grid\"><figure>")
          .Append(SvgChart.Bars("cycles", "Cycles per frame per node", r.Layers.Select(l => l.Node).ToList(),
              [new SvgChart.Series("cycles", Estimate, r.Layers.Select(l => (double)l.Cycles).ToList())], "cycles",
              ((double)r.Interval, $"II {N(r.Interval)} ({r.Bottleneck})")))
          .Append("</figure>");
        if (r.Folding is { } f)
        {
            var chosen = (f.Chosen.Lut * 1.0, f.Chosen.FramesPerSecond(r.FmaxMhz), $"chosen: {N(f.Chosen.Lut)} LUT, {N((long)Math.Round(f.Chosen.FramesPerSecond(r.FmaxMhz)))} fps");
            sb.Append("<figure>").Append(SvgChart.Curve("folding", $"Folding trade-off ({f.Goal})",
                f.Points.Select(p => ((double)p.Lut, p.FramesPerSecond(r.FmaxMhz))).ToList(), chosen, "LUTs", $"frames/s at {D(r.FmaxMhz)} MHz")).Append("</figure>");
        }
        sb.Append("</div>\n");
        foreach (var t in ReportTable.Of(r)) Table(sb, t);
        sb.Append("<p class=\"foot\">Written by <code>quanthdl report</code>; rerunning it replaces this file. Formulas: docs/estimation.md, docs/report.md.</p>\n</body></html>\n");
        return sb.ToString();
    }

    private static readonly (string Id, string Name, Func<DesignReport.Cells, long> Pick)[] Resources =
        [("lut", "LUT", c => c.Lut), ("ff", "FF", c => c.Ff), ("dsp", "DSP", c => c.Dsp), ("bram", "BRAM", c => c.Bram)];

    private static void Cards(StringBuilder sb, DesignReport r)
    {
        sb.Append("<div class=\"cards\">");
        Card(sb, "throughput", $"{N((long)Math.Round(r.FramesPerSecond))} fps", $"II {N(r.Interval)} cycles at {D(r.FmaxMhz)} MHz");
        Card(sb, "latency", $"{D(r.LatencyMicroseconds)} µs", $"{N(r.LatencyCycles)} cycles");
        var t = r.EstimateTotal;
        Card(sb, "LUT", N(t.Lut), r.SynthTotal is { } s ? $"Yosys {N(s.Lut)} ({Error(t.Lut, s.Lut)})" : "estimate");
        Card(sb, "FF / DSP / BRAM", $"{N(t.Ff)} / {N(t.Dsp)} / {N(t.Bram)}", r.SynthTotal is { } s2 ? $"Yosys {N(s2.Ff)} / {N(s2.Dsp)} / {N(s2.Bram)}" : "estimate");
        if (r.Accuracies is { } a) Card(sb, "integer accuracy", P(a.Integer), $"fake-quant {P(a.FakeQuant)}, {N(a.Samples)} images");
        if (r.Verified is { } v)
            Card(sb, "RTL bit-exact", string.Join(" + ", v.Runs.Select(x => $"{N(x.BitExact)}/{N(x.Samples)}")), string.Join(", ", v.Runs.Select(x => x.Name)), v.Passed ? "pass" : "fail");
        sb.Append("</div>\n");
    }

    private static void Card(StringBuilder sb, string label, string value, string detail, string? state = null) =>
        sb.Append($"<div class=\"card{(state is null ? "" : " " + state)}\"><div class=\"label\">{E(label)}</div><div class=\"value\">{E(value)}</div><div class=\"detail\">{E(detail)}</div></div>");

    private static void Table(StringBuilder sb, ReportTable t)
    {
        sb.Append($"<h2>{E(t.Title)}</h2><table id=\"table-{E(t.Id)}\"><thead><tr>");
        foreach (var h in t.Header) sb.Append($"<th>{E(h)}</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var row in t.Rows)
        {
            bool strong = row.Count > 0 && (row[0] is "total" or "whole design" || row[0].StartsWith("chosen", StringComparison.Ordinal));
            sb.Append(strong ? "<tr class=\"strong\">" : "<tr>");
            foreach (var c in row) sb.Append($"<td>{E(c)}</td>");
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>");
        if (t.Note is not null) sb.Append($"<p class=\"note\">{E(t.Note)}</p>");
        sb.Append('\n');
    }

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private const string Css =
        "body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1340px;color:#222;padding:0 16px}" +
        "h1{font-size:24px;margin:0 0 4px}h2{font-size:17px;margin:26px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}" +
        ".sub,.note,.foot{color:#666;font-size:13px}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}" +
        ".card{border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:170px;background:#fafafa}" +
        ".card .label{font-size:12px;color:#666;text-transform:uppercase}.card .value{font-size:22px;font-weight:600;margin:2px 0}" +
        ".card .detail{font-size:12px;color:#555}.card.pass{border-color:#27ae60;background:#eefaf1}.card.fail{border-color:#c0392b;background:#fdeeee}" +
        ".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:8px}figure{margin:0}svg.chart{max-width:100%;height:auto}" +
        "table{border-collapse:collapse;font-size:13px;margin:6px 0}th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}" +
        "th:first-child,td:first-child{text-align:left}th{background:#f2f2f2}tr.strong td{font-weight:600;background:#f7f7f7}";
}
