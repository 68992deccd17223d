using QuantHdl.Verification.Synthesis;
using QuantHdl.Flows;
using System.IO.Compression;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using QuantHdl.Compiler.Ir;
using QuantHdl.Hardware;
using QuantHdl.Hardware.Estimates;
using QuantHdl.Hardware.FoldSearch;
using QuantHdl.Reports;
using QuantHdl.Tests.Hdl;

namespace QuantHdl.Tests.Reports;

/// <summary>
/// The report (docs/report.md) on known inputs: a hand-made graph, and synth.json, simulate.json, verify.json and a
/// folding curve written out in the test with round numbers, so each total, rate and error can be worked by hand;
/// the files' overwrite rule; and report.html rendered in headless Chromium.
/// </summary>
public class ReportTests
{
    private static IrGraph Graph() => TinyGraphs.Make("post:4");

    /// <summary>synth.json for the tiny graph: fc1 100 LUT / 40 FF, fc2 60 LUT / 30 FF; Fmax 80 and 50 MHz, whole 45 MHz.</summary>
    private static JsonObject Synth(bool whole = true) => JsonNode.Parse($$"""
        {"format":"quanthdl-synth","version":1,"target":"ice40","device":"hx8k",
         "layers":[{"node":"fc1","lut":100,"ff":40,"dsp":0,"bram":1,"fmax_mhz":80.0},
                   {"node":"fc2","lut":60,"ff":30,"dsp":0,"bram":0,"fmax_mhz":50.0}],
         "whole":{{(whole ? """{"node":"top","lut":170,"ff":75,"dsp":0,"bram":1,"fmax_mhz":45.0}""" : """{"skipped":"over the limit"}""")}}}
        """)!.AsObject();

    private static JsonObject Simulate() => JsonNode.Parse("""{"samples":1000,"integer_accuracy":0.8125,"fake_quant_accuracy":0.8130,"identical_predictions":990}""")!.AsObject();

    private static JsonObject Verify() => JsonNode.Parse("""
        {"format":"quanthdl-verify","passed":false,"latency_cycles":37,"initiation_interval_cycles":8,"analytic":{"initiation_interval_cycles":8},
         "no_stall_run":{"samples":20,"bit_exact":20,"mismatches":0,"total_cycles":400,"passed":true},
         "stall_run":{"seed":1,"result":{"samples":20,"bit_exact":19,"mismatches":3,"total_cycles":700,"passed":false}}}
        """)!.AsObject();

    private static FoldingCurve Curve() => new(FpgaFamily.Ice40, FoldingGoal.Budget(500),
        [
            new FoldingPoint(2, 900, 300, 0, 2, "fc1", new Dictionary<string, Folding> { ["fc1"] = new(8, 4), ["fc2"] = new(4, 2) }),
            new FoldingPoint(4, 480, 200, 0, 1, "fc1", new Dictionary<string, Folding> { ["fc1"] = new(4, 2), ["fc2"] = new(2, 2) }),
            new FoldingPoint(32, 120, 90, 0, 0, "fc1", new Dictionary<string, Folding> { ["fc1"] = new(1, 1), ["fc2"] = new(1, 1) }),
        ],
        new FoldingPoint(4, 480, 200, 0, 1, "fc1", new Dictionary<string, Folding> { ["fc1"] = new(4, 2), ["fc2"] = new(2, 2) }));

    private static ReportSources Sources(bool whole = true) => new("/tmp/build", Graph(), Synth(whole), Simulate(), Verify(), Curve());

    [Fact]
    public void TotalsAreTheSumsOfTheNodesAndTheRatesFollowFromTheSlowestNode()
    {
        var g = Graph();
        var r = DesignReport.Build(Sources());
        var json = JsonNode.Parse(JsonReport.Render(r))!;
        // Worked independently: each node's estimate, summed here; the synthesis sums by hand (100 + 60, 40 + 30, 1 + 0).
        var per = g.Nodes.Select(n => ResourceEstimator.Of(g, n, FpgaFamily.Ice40)).ToList();
        Assert.Equal(per.Sum(e => e.Lut), (long)json["estimate_total"]!["lut"]!);
        Assert.Equal(per.Sum(e => e.Ff), (long)json["estimate_total"]!["ff"]!);
        Assert.Equal(per.Sum(e => e.Bram), (long)json["estimate_total"]!["bram"]!);
        Assert.Equal(160, (long)json["synth_total"]!["lut"]!);
        Assert.Equal(70, (long)json["synth_total"]!["ff"]!);
        Assert.Equal(1, (long)json["synth_total"]!["bram"]!);
        Assert.Equal(170, (long)json["synth_whole"]!["lut"]!);
        // fc1 8->4 at 2x2 takes 4*2 = 8 cycles, fc2 4->2 at 4x1 takes 1*2 = 2, the input 8/2 = 4: II 8, set by fc1.
        Assert.Equal(8, (long)json["initiation_interval_cycles"]!);
        Assert.Equal("fc1", (string)json["bottleneck"]!);
        // The whole design's nextpnr Fmax, 45 MHz: 45e6 / 8 frames per second.
        Assert.Equal(45.0, (double)json["fmax_mhz"]!);
        Assert.Equal(45e6 / 8, (double)json["frames_per_second"]!, 6);
        Assert.Equal((double)(long)json["latency_cycles"]! / 45.0, (double)json["latency_us"]!, 9);
        Assert.Equal(3, json["folding"]!["pareto"]!.AsArray().Count);
        Assert.Equal("ice40", (string)json["target"]!);
    }

    [Fact]
    public void TheFmaxIsTheGivenOneElseTheWholeDesignsElseTheSlowestLayersElseTheDefault()
    {
        Assert.Equal(70, DesignReport.Build(Sources(), fmaxMhz: 70).FmaxMhz);
        Assert.Equal(45, DesignReport.Build(Sources()).FmaxMhz);
        var slowest = DesignReport.Build(Sources(whole: false));
        Assert.Equal(50, slowest.FmaxMhz);
        Assert.Contains("slowest layer fc2", slowest.FmaxSource);
        var none = DesignReport.Build(Sources() with { Synth = null });
        Assert.Equal(DesignReport.DefaultFmaxMhz, none.FmaxMhz);
        // Without synth.json the family is folding.json's.
        Assert.Equal(FpgaFamily.Ice40, none.Family);
        Assert.Throws<ArgumentException>(() => DesignReport.Build(Sources(), fmaxMhz: 0));
    }

    [Fact]
    public void ALayerThatDoesNotFitTheDeviceShowsSoAndTheFmaxComesFromTheOthers()
    {
        var synth = Synth(whole: false);
        var fc1 = synth["layers"]![0]!.AsObject();
        fc1["fmax_mhz"] = null;
        fc1["does_not_fit"] = "Unable to place cell 'x', no BELs remaining to implement cell type 'ICESTORM_LC'";
        var r = DesignReport.Build(Sources(whole: false) with { Synth = synth });
        // fc1 has no Fmax; the clock is fc2's 50 MHz, and fc1's Yosys counts are kept in the totals (100 + 60).
        Assert.Equal(50, r.FmaxMhz);
        Assert.Equal(160, r.SynthTotal!.Lut);
        string md = MarkdownReport.Render(r), html = HtmlReport.Render(r);
        var row = md.Split('\n').Single(l => l.StartsWith("| fc1 |", StringComparison.Ordinal));
        Assert.EndsWith("| does not fit hx8k |", row);
        Assert.Contains("| 50 MHz |", md.Split('\n').Single(l => l.StartsWith("| fc2 |", StringComparison.Ordinal)));
        Assert.Contains("fc1: Unable to place cell", md);
        Assert.Contains("<td>does not fit hx8k</td>", html);
        var json = JsonNode.Parse(JsonReport.Render(r))!;
        Assert.StartsWith("Unable to place", (string)json["layers"]!.AsArray().Single(l => (string)l!["node"]! == "fc1")!["does_not_fit"]!);
    }

    [Fact]
    public void ASynthesisOfAnotherFamilyIsNotComparedAndSaysSo()
    {
        var r = DesignReport.Build(Sources(), family: FpgaFamily.Xc7);
        Assert.Null(r.SynthTotal);
        Assert.All(r.Layers, l => Assert.Null(l.Synth));
        Assert.Contains("synth.json is for ice40, not xc7", r.SynthNote);
        Assert.Equal(DesignReport.DefaultFmaxMhz, r.FmaxMhz);
    }

    [Fact]
    public void TheMarkdownHoldsTheSameTablesAsTheHtml()
    {
        var r = DesignReport.Build(Sources());
        string html = HtmlReport.Render(r), md = MarkdownReport.Render(r);
        Assert.StartsWith(MarkdownReport.Marker + "\n", md);
        var lines = md.Split('\n');
        var rows = Enumerable.Range(0, lines.Length).Where(i => lines[i].StartsWith("| ", StringComparison.Ordinal)).ToList();
        int tableRows = ReportTable.Of(r).Sum(t => t.Rows.Count + 1);
        Assert.Equal(tableRows, rows.Count);
        foreach (int i in rows)
        {
            var cells = lines[i].Trim('|', ' ').Split(" | ");
            // A header row is the one the |---| line follows.
            string tag = lines[i + 1].StartsWith("|---", StringComparison.Ordinal) ? "th" : "td";
            string expected = string.Concat(cells.Select(c => $"<{tag}>{System.Net.WebUtility.HtmlEncode(c)}</{tag}>"));
            Assert.Contains(expected, html);
        }
        // The LUT error of fc1, worked by hand from its estimate and Yosys' 100 LUTs.
        long fc1 = ResourceEstimator.Of(Graph(), Graph().Node("fc1"), FpgaFamily.Ice40).Lut;
        Assert.Contains($"{(fc1 - 100) * 100.0 / 100:+0.0;-0.0;0.0}%".Replace(',', '.'), md);
        // The stall run's 19/20 shows as such, and the failing verification is not called a pass.
        Assert.Contains("| RTL bit-exact, random stalls | 19/20 | 3 mismatches, 700 cycles (verify.json) |", md);
        Assert.Contains("(FAIL)", md);
        Assert.Contains("| chosen | 4 | 11,250,000 | 480 |", md);
    }

    [Fact]
    public void AGivenMultiplierStudyIsATableInEveryFormat()
    {
        // Two cases, two families, one refused width: the cells are the study's own numbers, printed as they are.
        var rows = new List<StudyRow>
        {
            new(new StudyCase("uniform:4", 8), "xc7", 6400, 0, 0, 64, null),
            new(new StudyCase("post:4", 8), "xc7", 4160, 0, 0, 64, null),
            new(new StudyCase("post:8", 8), "xc7", 0, 0, 0, 64, "too wide"),
            new(new StudyCase("uniform:4", 8), "ice40", 3200, 0, 0, 64, null),
            new(new StudyCase("post:4", 8), "ice40", 6400, 0, 0, 64, null),
            new(new StudyCase("post:8", 8), "ice40", 0, 0, 0, 64, "too wide"),
        };
        var study = StudyFlow.Json(rows);
        var r = DesignReport.Build(Sources() with { Study = study });
        var md = MarkdownReport.Render(r);
        Assert.Contains("| post:4 A8 | 65.0 | 0.65x | 100.0 | 2.00x |", md);
        Assert.Contains("| post:8 A8 | n/a |  | n/a |  |", md);
        Assert.Contains("<td>post:4 A8</td><td>65.0</td><td>0.65x</td>", HtmlReport.Render(r));
        Assert.Contains("\"multiplier_study\"", JsonReport.Render(r));
        Assert.DoesNotContain("Multiplier cost", MarkdownReport.Render(DesignReport.Build(Sources())));
    }

    [Fact]
    public void TheHtmlIsSelfContained()
    {
        string html = HtmlReport.Render(DesignReport.Build(Sources()));
        Assert.Contains(HtmlReport.Marker, html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("src=", html);
        Assert.DoesNotContain("url(", html);
        Assert.DoesNotContain(Regex.Matches(html, "https?://"), m => !html.Substring(m.Index).StartsWith("http://www.w3.org/2000/svg", StringComparison.Ordinal));
    }

    [Fact]
    public void ReportFilesReplaceOnlyWhatTheReportWrote()
    {
        var dir = Directory.CreateTempSubdirectory("quanthdl-report-").FullName;
        try
        {
            var r = DesignReport.Build(Sources() with { BuildDir = dir });
            ReportFiles.Write(dir, r);
            ReportFiles.Write(dir, r); // its own files: replaced
            Assert.All(ReportFiles.Files, f => Assert.True(File.Exists(Path.Combine(dir, f.Name))));
            File.WriteAllText(Path.Combine(dir, "report.md"), "my notes\n");
            File.Delete(Path.Combine(dir, "report.html"));
            var e = Assert.Throws<IOException>(() => ReportFiles.Write(dir, r));
            Assert.Contains("report.md exists and was not written by 'quanthdl report'", e.Message);
            // Refused before anything was written: the notes stay, and no report.html appeared.
            Assert.Equal("my notes\n", File.ReadAllText(Path.Combine(dir, "report.md")));
            Assert.False(File.Exists(Path.Combine(dir, "report.html")));
            Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(dir), p => Path.GetFileName(p).Contains("staging"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ChromiumDisplaysThePageAndEveryChartWithoutAScriptError()
    {
        var dir = Directory.CreateTempSubdirectory("quanthdl-report-").FullName;
        try
        {
            var r = DesignReport.Build(Sources() with { BuildDir = dir });
            var page = ReportFiles.Write(dir, r)[0];
            var (dom, console) = HeadlessChromium.DumpDom(page);
            Assert.Empty(console);
            Assert.Contains("<h1>QuantHdl report: tiny_post</h1>", dom);
            foreach (var id in new[] { "resource-lut", "resource-ff", "resource-dsp", "resource-bram", "versus-lut", "versus-ff", "versus-bram", "cycles", "folding" })
                Assert.Matches($"<svg class=\"chart\" data-chart=\"{id}\"", dom);
            // Bars: four resource charts of the two layers, three comparisons of two series, and one bar per node of cycles.
            Assert.Equal(4 * 2 + 3 * 2 * 2 + 3, Regex.Matches(dom, "<rect class=\"bar\"").Count);
            Assert.Equal(3, Regex.Matches(dom, "<circle class=\"point\"").Count);
            Assert.Single(Regex.Matches(dom, "<circle class=\"chosen\""));
            Assert.Contains("<table id=\"table-layers\">", dom);

            var png = Path.Combine(dir, "shot.png");
            HeadlessChromium.Screenshot(page, png, 900, 700);
            var (w, h, distinct) = PngFacts(png);
            Assert.Equal((900, 700), (w, h));
            Assert.True(distinct > 20, $"the screenshot has {distinct} distinct byte values; is it blank?");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void TheConsoleCheckSeesAScriptError()
    {
        // The check above can fire: a page whose script throws logs a console line.
        var dir = Directory.CreateTempSubdirectory("quanthdl-report-").FullName;
        try
        {
            var page = Path.Combine(dir, "bad.html");
            File.WriteAllText(page, "<!DOCTYPE html><html><body><p>x</p><script>undefinedFunction();</script></body></html>");
            var (_, console) = HeadlessChromium.DumpDom(page);
            Assert.Contains(console, l => l.Contains("undefinedFunction", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>Width, height and the number of distinct bytes of the decompressed image data of a PNG.</summary>
    private static (int W, int H, int Distinct) PngFacts(string path)
    {
        var b = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, b[..4]);
        static int Be(byte[] a, int i) => (a[i] << 24) | (a[i + 1] << 16) | (a[i + 2] << 8) | a[i + 3];
        int w = Be(b, 16), h = Be(b, 20);
        using var idat = new MemoryStream();
        for (int i = 8; i + 8 <= b.Length;)
        {
            int len = Be(b, i);
            string type = System.Text.Encoding.ASCII.GetString(b, i + 4, 4);
            if (type == "IDAT") idat.Write(b, i + 8, len);
            i += 12 + len;
        }
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        return (w, h, raw.ToArray().Distinct().Count());
    }
}
