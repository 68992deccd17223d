using System.Globalization;
using System.Net;
using System.Text;

namespace QuantHdl.Reports;

/// <summary>
/// Small inline SVG charts for the report (no plotting library): grouped vertical bars, and a curve of points on
/// logarithmic axes with one point marked. Every chart is an <c>&lt;svg class="chart" data-chart="ID"&gt;</c> with a
/// <c>&lt;title&gt;</c>, so a browser test can find it; all numbers are written in the invariant culture.
/// </summary>
public static class SvgChart
{
    private const int Width = 640, Height = 260, Left = 64, Right = 16, Top = 28, Bottom = 52;

    /// <summary>One series of a bar chart: a legend name, a fill colour, and one value per category.</summary>
    public sealed record Series(string Name, string Color, IReadOnlyList<double> Values);

    /// <summary>
    /// Grouped bars: one group per label, one bar per series, on a linear axis from 0; labels too wide for their group
    /// are slanted. <paramref name="mark"/> draws a
    /// horizontal dashed line (for example the initiation interval) with its caption.
    /// </summary>
    public static string Bars(string id, string title, IReadOnlyList<string> labels, IReadOnlyList<Series> series, string unit, (double Value, string Caption)? mark = null)
    {
        double max = Math.Max(series.SelectMany(s => s.Values).DefaultIfEmpty(0).Max(), mark?.Value ?? 0);
        // An all-zero chart keeps a 0..1 axis, so its ticks stay distinct.
        double top = max > 0 ? NiceCeiling(max) : 1;
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double group = plotW / Math.Max(1, labels.Count), bar = group * 0.8 / Math.Max(1, series.Count);
        // Labels wider than their group are slanted, and the box grows below the plot to hold them.
        bool slant = labels.Any(l => l.Length * 6.5 > group);
        int below = slant ? (int)Math.Ceiling(labels.Max(l => l.Length) * 6.5 * 0.64) + 28 : Bottom;
        int height = Top + (int)plotH + below;
        var sb = Open(id, title, height);
        Axis(sb, top, unit);
        for (int i = 0; i < labels.Count; i++)
        {
            double gx = Left + i * group + group * 0.1;
            for (int s = 0; s < series.Count; s++)
            {
                double v = series[s].Values[i], h = v / top * plotH;
                sb.Append($"<rect class=\"bar\" x=\"{F(gx + s * bar)}\" y=\"{F(Top + plotH - h)}\" width=\"{F(Math.Max(1, bar - 1))}\" height=\"{F(h)}\" fill=\"{series[s].Color}\">")
                  .Append($"<title>{E(labels[i])} {E(series[s].Name)}: {Num(v)} {E(unit)}</title></rect>");
            }
            double lx = Left + (i + 0.5) * group, ly = Top + plotH + 14;
            sb.Append(slant
                ? $"<text x=\"{F(lx)}\" y=\"{F(ly)}\" text-anchor=\"end\" font-size=\"11\" transform=\"rotate(-40 {F(lx)} {F(ly)})\">{E(labels[i])}</text>"
                : $"<text x=\"{F(lx)}\" y=\"{F(ly + 2)}\" text-anchor=\"middle\" font-size=\"11\">{E(labels[i])}</text>");
        }
        if (mark is { } m)
        {
            double y = Top + plotH - m.Value / top * plotH;
            sb.Append($"<line class=\"mark\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(y)}\" y2=\"{F(y)}\" stroke=\"#c0392b\" stroke-dasharray=\"5 3\"/>")
              .Append($"<text x=\"{Width - Right}\" y=\"{F(y - 4)}\" text-anchor=\"end\" font-size=\"11\" fill=\"#c0392b\">{E(m.Caption)}</text>");
        }
        Legend(sb, series.Select(s => (s.Name, s.Color)).ToList(), height);
        return sb.Append("</svg>").ToString();
    }

    /// <summary>
    /// Points joined in order on logarithmic axes (both positive), with <paramref name="chosen"/> ringed and captioned.
    /// </summary>
    public static string Curve(string id, string title, IReadOnlyList<(double X, double Y)> points, (double X, double Y, string Caption)? chosen, string xLabel, string yLabel)
    {
        var all = points.Concat(chosen is { } c ? [(c.X, c.Y)] : Array.Empty<(double, double)>()).Where(p => p.Item1 > 0 && p.Item2 > 0).ToList();
        var sb = Open(id, title, Height);
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        if (all.Count == 0) return sb.Append("</svg>").ToString();
        double x0 = Math.Floor(Math.Log10(all.Min(p => p.Item1))), x1 = Math.Max(x0 + 1, Math.Ceiling(Math.Log10(all.Max(p => p.Item1))));
        double y0 = Math.Floor(Math.Log10(all.Min(p => p.Item2))), y1 = Math.Max(y0 + 1, Math.Ceiling(Math.Log10(all.Max(p => p.Item2))));
        double X(double v) => Left + (Math.Log10(v) - x0) / (x1 - x0) * plotW;
        double Y(double v) => Top + plotH - (Math.Log10(v) - y0) / (y1 - y0) * plotH;
        sb.Append($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{F(plotW)}\" height=\"{F(plotH)}\" fill=\"none\" stroke=\"#bbb\"/>");
        for (double d = x0; d <= x1; d++)
            sb.Append($"<line x1=\"{F(X(Math.Pow(10, d)))}\" x2=\"{F(X(Math.Pow(10, d)))}\" y1=\"{Top}\" y2=\"{F(Top + plotH)}\" stroke=\"#eee\"/>")
              .Append($"<text x=\"{F(X(Math.Pow(10, d)))}\" y=\"{F(Top + plotH + 14)}\" text-anchor=\"middle\" font-size=\"10\">{Num(Math.Pow(10, d))}</text>");
        for (double d = y0; d <= y1; d++)
            sb.Append($"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(Y(Math.Pow(10, d)))}\" y2=\"{F(Y(Math.Pow(10, d)))}\" stroke=\"#eee\"/>")
              .Append($"<text x=\"{Left - 4}\" y=\"{F(Y(Math.Pow(10, d)) + 3)}\" text-anchor=\"end\" font-size=\"10\">{Num(Math.Pow(10, d))}</text>");
        var valid = points.Where(p => p.X > 0 && p.Y > 0).ToList();
        if (valid.Count > 1)
            sb.Append("<polyline class=\"curve\" fill=\"none\" stroke=\"#2e86c1\" stroke-width=\"1.5\" points=\"")
              .Append(string.Join(" ", valid.Select(p => $"{F(X(p.X))},{F(Y(p.Y))}"))).Append("\"/>");
        foreach (var p in valid)
            sb.Append($"<circle class=\"point\" cx=\"{F(X(p.X))}\" cy=\"{F(Y(p.Y))}\" r=\"3\" fill=\"#2e86c1\"><title>{Num(p.X)} {E(xLabel)}, {Num(p.Y)} {E(yLabel)}</title></circle>");
        if (chosen is { } ch && ch.X > 0 && ch.Y > 0)
        {
            double cx = X(ch.X), cy = Y(ch.Y);
            sb.Append($"<circle class=\"chosen\" cx=\"{F(cx)}\" cy=\"{F(cy)}\" r=\"7\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2.5\"/>")
              .Append($"<text x=\"{F(cx + (cx > Width / 2 ? -10 : 10))}\" y=\"{F(cy - 10)}\" text-anchor=\"{(cx > Width / 2 ? "end" : "start")}\" font-size=\"11\" fill=\"#c0392b\">{E(ch.Caption)}</text>");
        }
        sb.Append($"<text x=\"{F(Left + plotW / 2)}\" y=\"{Height - 18}\" text-anchor=\"middle\" font-size=\"11\">{E(xLabel)} (log)</text>")
          .Append($"<text x=\"14\" y=\"{F(Top + plotH / 2)}\" text-anchor=\"middle\" font-size=\"11\" transform=\"rotate(-90 14 {F(Top + plotH / 2)})\">{E(yLabel)} (log)</text>");
        return sb.Append("</svg>").ToString();
    }

    private static StringBuilder Open(string id, string title, int height) =>
        new StringBuilder()
            .Append($"<svg class=\"chart\" data-chart=\"{E(id)}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {height}\" width=\"{Width}\" height=\"{height}\" role=\"img\" font-family=\"sans-serif\">")
            .Append($"<title>{E(title)}</title>")
            .Append($"<text x=\"{Left}\" y=\"16\" font-size=\"13\" font-weight=\"bold\">{E(title)}</text>");

    private static void Axis(StringBuilder sb, double top, string unit)
    {
        double plotH = Height - Top - Bottom;
        for (int t = 0; t <= 4; t++)
        {
            double v = top * t / 4, y = Top + plotH - plotH * t / 4;
            sb.Append($"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(y)}\" y2=\"{F(y)}\" stroke=\"{(t == 0 ? "#888" : "#eee")}\"/>")
              .Append($"<text x=\"{Left - 4}\" y=\"{F(y + 3)}\" text-anchor=\"end\" font-size=\"10\">{Num(v)}</text>");
        }
        sb.Append($"<text x=\"{Left - 4}\" y=\"{Top - 8}\" text-anchor=\"end\" font-size=\"10\" fill=\"#555\">{E(unit)}</text>");
    }

    private static void Legend(StringBuilder sb, IReadOnlyList<(string Name, string Color)> items, int height)
    {
        if (items.Count < 2) return;
        double x = Left;
        foreach (var (name, color) in items)
        {
            sb.Append($"<rect x=\"{F(x)}\" y=\"{height - 14}\" width=\"10\" height=\"10\" fill=\"{color}\"/>")
              .Append($"<text x=\"{F(x + 14)}\" y=\"{height - 5}\" font-size=\"11\">{E(name)}</text>");
            x += 24 + 7 * name.Length;
        }
    }

    /// <summary>The smallest of 1, 2, 2.5, 5 times a power of ten at or above <paramref name="v"/> (0 stays 0).</summary>
    internal static double NiceCeiling(double v)
    {
        if (v <= 0) return 0;
        double p = Math.Pow(10, Math.Floor(Math.Log10(v)));
        foreach (double m in new[] { 1, 2, 2.5, 5, 10 })
            if (m * p >= v * (1 - 1e-12)) return m * p;
        return 10 * p;
    }

    /// <summary>A number for a label: thousands separated, at most two decimals, and k/M for large ones.</summary>
    internal static string Num(double v) =>
        Math.Abs(v) >= 1e6 ? (v / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M"
        : Math.Abs(v) >= 1e4 ? (v / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "k"
        : v.ToString(v == Math.Floor(v) ? "#,0" : "#,0.##", CultureInfo.InvariantCulture);

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
