using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using QuantHdl.Arithmetic;
using QuantHdl.Artifacts;
using QuantHdl.Hardware;
using QuantHdl.Hardware.Estimates;
using QuantHdl.Verification.Synthesis;

namespace QuantHdl.Flows;

/// <summary>Options of <c>quanthdl study multipliers</c>.</summary>
/// <param name="OutDir">The study folder to create (refused when it exists and is not a study).</param>
/// <param name="CacheDir">The synthesis cache, shared between runs so that a rerun starts no tool.</param>
/// <param name="Cases">The points to measure.</param>
/// <param name="Jobs">Syntheses run at the same time.</param>
/// <param name="DocFile">A Markdown file whose generated section (between <see cref="StudyFlow.DocBegin"/> and
/// <see cref="StudyFlow.DocEnd"/>) is replaced by the table; null leaves every file outside the study alone.</param>
/// <param name="Force">Replace <paramref name="OutDir"/> when it holds an earlier study.</param>
public sealed record StudyOptions(string OutDir, string CacheDir, IReadOnlyList<StudyCase> Cases, int Jobs = 1, string? DocFile = null, bool Force = false);

/// <summary>One measured point: the case, the family, the LUTs (and carries, FFs) of the whole array and per MAC lane.</summary>
public sealed record StudyRow(StudyCase Case, string Family, int Lut, int Carry, int Ff, int Lanes, string? Refusal)
{
    /// <summary>LUTs per MAC lane.</summary>
    public double LutPerLane => (double)Lut / Lanes;
}

/// <summary>
/// <c>quanthdl study multipliers</c> (docs/multipliers.md): synthesizes hdl/mac_array.v for every case with Yosys, for
/// xc7 with <c>-nodsp</c> (LUT6) and for iCE40 (LUT4), and writes <c>multipliers.json</c> and <c>multipliers.md</c>: the
/// LUTs of one MAC lane per case and their ratio to uniform weights at the same widths.
/// </summary>
public static class StudyFlow
{
    /// <summary>The machine-readable result in the study folder.</summary>
    public const string JsonFile = "multipliers.json";

    /// <summary>The table in the study folder.</summary>
    public const string MarkdownFile = "multipliers.md";

    /// <summary>Opens the generated section of a documentation file.</summary>
    public const string DocBegin = "<!-- quanthdl study multipliers: begin (generated, do not edit) -->";

    /// <summary>Closes the generated section.</summary>
    public const string DocEnd = "<!-- quanthdl study multipliers: end -->";

    private static readonly (FpgaFamily Family, string Name)[] Families = [(FpgaFamily.Xc7, "xc7"), (FpgaFamily.Ice40, "ice40")];

    /// <summary>Runs the study; returns the rows, xc7 first.</summary>
    public static IReadOnlyList<StudyRow> Run(StudyOptions o, IFlowReporter r)
    {
        if (o.Jobs < 1) throw new ArgumentException($"--jobs {o.Jobs} must be positive");
        if (o.Cases.Count == 0) throw new ArgumentException("the study has no cases");
        if (o.DocFile is not null) Splice(File.Exists(o.DocFile) ? File.ReadAllText(o.DocFile) : throw new FileNotFoundException($"--doc {o.DocFile} does not exist"), "", o.DocFile);
        OutputDirectory.CheckTarget(o.OutDir, ArtifactKind.Study, o.Force);
        Synthesizer.Find("yosys");
        var assets = RtlAssets.Locate();
        var synth = new Synthesizer(o.CacheDir, TimeSpan.FromMinutes(10));
        var work = o.Cases.SelectMany(c => Families.Select(f => (Case: c, f.Family, f.Name))).ToList();
        var rows = new StudyRow[work.Count];
        r.Progress($"study multipliers: {o.Cases.Count} cases x {Families.Length} families", work.Count, advance =>
        {
            Parallel.For(0, work.Count, new ParallelOptions { MaxDegreeOfParallelism = o.Jobs }, i =>
            {
                var (c, family, name) = work[i];
                int lanes = MultiplierStudy.Lanes * MultiplierStudy.Rows;
                if (MultiplierStudy.Refusal(c) is string why)
                    rows[i] = new StudyRow(c, name, 0, 0, 0, lanes, why);
                else
                {
                    var s = synth.Run(MultiplierStudy.Job(c, assets, family));
                    rows[i] = new StudyRow(c, name, s.Cells.Lut, s.Cells.Carry, s.Cells.Ff, lanes, null);
                }
                advance(1);
            });
        });
        var ordered = rows.OrderBy(x => x.Family == "xc7" ? 0 : 1).ThenBy(x => o.Cases.ToList().IndexOf(x.Case)).ToList();
        foreach (var row in ordered)
            r.Info(row.Refusal is null
                ? string.Create(CultureInfo.InvariantCulture, $"{row.Family,-5} {row.Case.Label,-16} {row.LutPerLane,6:F1} LUT/lane  ({row.Lut} LUT, {row.Carry} carry, {row.Ff} FF for {row.Lanes} lanes)")
                : $"{row.Family,-5} {row.Case.Label,-16} n/a: {row.Refusal}");

        using (var dir = OutputDirectory.Begin(o.OutDir, ArtifactKind.Study, o.Force))
        {
            File.WriteAllText(Path.Combine(dir.StagingPath, JsonFile), Json(ordered).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            File.WriteAllText(Path.Combine(dir.StagingPath, MarkdownFile), Markdown(ordered));
            dir.Commit();
        }
        if (o.DocFile is not null) AtomicFile.WriteAllText(o.DocFile, Splice(File.ReadAllText(o.DocFile), Markdown(ordered), o.DocFile));
        return ordered;
    }

    /// <summary>The LUTs per lane of a case divided by uniform's at the same widths and family; null without a uniform row.</summary>
    public static double? RatioToUniform(StudyRow row, IReadOnlyList<StudyRow> rows)
    {
        if (row.Refusal is not null) return null;
        var u = rows.FirstOrDefault(x => x.Family == row.Family && x.Refusal is null && x.Case.ActBits == row.Case.ActBits
            && x.Case.Weight == "uniform:" + row.Case.Weight[(row.Case.Weight.IndexOf(':') + 1)..]);
        return u is null || u.Lut == 0 ? null : row.LutPerLane / u.LutPerLane;
    }

    /// <summary>The study as JSON.</summary>
    public static JsonObject Json(IReadOnlyList<StudyRow> rows) => new()
    {
        ["format"] = "quanthdl-multiplier-study",
        ["version"] = 1,
        ["lanes"] = MultiplierStudy.Lanes,
        ["rows_per_array"] = MultiplierStudy.Rows,
        ["layer_inputs"] = MultiplierStudy.Inputs,
        ["cases"] = new JsonArray(rows.Select(x => (JsonNode)new JsonObject
        {
            ["family"] = x.Family,
            ["label"] = x.Case.Label,
            ["weight"] = x.Case.Weight,
            ["act_bits"] = x.Case.ActBits,
            ["sqrt_frac_bits"] = x.Case.Weight.StartsWith("post", StringComparison.Ordinal) ? x.Case.SqrtFracBits : null,
            ["lut"] = x.Refusal is null ? x.Lut : null,
            ["carry"] = x.Refusal is null ? x.Carry : null,
            ["ff"] = x.Refusal is null ? x.Ff : null,
            ["lut_per_lane"] = x.Refusal is null ? Math.Round(x.LutPerLane, 2) : null,
            ["ratio_to_uniform"] = RatioToUniform(x, rows) is double q ? Math.Round(q, 3) : null,
            ["refusal"] = x.Refusal,
        }).ToArray()),
    };

    /// <summary>The study as a Markdown table: one row per case, a column pair (LUT/lane, x uniform) per family.</summary>
    public static string Markdown(IReadOnlyList<StudyRow> rows)
    {
        var sb = new StringBuilder();
        string F(double v, string f) => v.ToString(f, CultureInfo.InvariantCulture);
        sb.Append(CultureInfo.InvariantCulture, $"LUTs of one MAC lane: hdl/mac_array.v at {MultiplierStudy.Lanes} input lanes x {MultiplierStudy.Rows} output rows, accumulating a {MultiplierStudy.Inputs}-input layer; Yosys `synth_xilinx -nodsp` (LUT1-6) and `synth_ice40` (SB_LUT4), LUTs / {MultiplierStudy.Lanes * MultiplierStudy.Rows}. POST at F = {DeploymentSettings.DefaultSqrtFracBits} unless the row says otherwise.\n\n");
        sb.Append("| Weights | Acts | xc7 LUT/lane | xc7 vs uniform | iCE40 LUT/lane | iCE40 vs uniform |\n|---|---|---|---|---|---|\n");
        foreach (var c in rows.Select(x => x.Case).Distinct())
        {
            string Cells(string family)
            {
                var row = rows.FirstOrDefault(x => x.Case == c && x.Family == family);
                if (row is null) return " | ";
                if (row.Refusal is not null) return "n/a | ";
                return F(row.LutPerLane, "F1") + " | " + (RatioToUniform(row, rows) is double q ? F(q, "F2") + "x" : "");
            }
            string label = c.Weight + (c.Weight.StartsWith("post", StringComparison.Ordinal) && c.SqrtFracBits != DeploymentSettings.DefaultSqrtFracBits ? $" (F = {c.SqrtFracBits})" : "");
            sb.Append(CultureInfo.InvariantCulture, $"| {label} | {c.ActBits} | {Cells("xc7")} | {Cells("ice40")} |\n");
        }
        var refused = rows.Where(x => x.Refusal is not null).Select(x => (x.Case.Label, x.Refusal)).Distinct().ToList();
        if (refused.Count > 0)
        {
            sb.Append('\n');
            foreach (var (label, why) in refused) sb.Append(CultureInfo.InvariantCulture, $"- n/a {label}: {why}\n");
        }
        return sb.ToString();
    }

    /// <summary>
    /// <paramref name="doc"/> with the text between <see cref="DocBegin"/> and <see cref="DocEnd"/> replaced by
    /// <paramref name="table"/>; throws when the markers are missing, so no other part of the file is ever touched.
    /// </summary>
    public static string Splice(string doc, string table, string path)
    {
        int b = doc.IndexOf(DocBegin, StringComparison.Ordinal), e = doc.IndexOf(DocEnd, StringComparison.Ordinal);
        if (b < 0 || e < b) throw new InvalidDataException($"--doc {path} has no generated section; add the lines '{DocBegin}' and '{DocEnd}' where the table goes");
        return doc[..(b + DocBegin.Length)] + "\n" + table + doc[e..];
    }
}
