using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using QuantHdl.Artifacts;
using QuantHdl.Compiler.Freeze;
using QuantHdl.Compiler.Ir;
using QuantHdl.Compiler.Passes;
using QuantHdl.Engine.Data;
using QuantHdl.Engine.Training;
using QuantHdl.Golden;
using QuantHdl.Models;
using QuantHdl.Ptq;
using QuantHdl.Arithmetic;

namespace QuantHdl.Flows;

/// <summary>
/// One row of the experiments table: a model quantized one way, with its accuracy in the golden
/// integer simulator (the accuracy the hardware has) and the wall time of the quantization itself.
/// </summary>
public sealed record ExperimentRow(
    string Suite,
    string Model,
    string Method,
    string Weights,
    string Activations,
    double FloatAccuracy,
    double FakeQuantAccuracy,
    double IntegerAccuracy,
    int TestImages,
    double Seconds);

/// <summary>How a suite runs its rows on one float checkpoint; the ASQ/BWRF suites plug in beside <see cref="PtqSuite"/>.</summary>
public interface IExperimentSuite
{
    /// <summary>The --suite name.</summary>
    string Name { get; }

    /// <summary>The table's heading and what its rows compare.</summary>
    string Title { get; }

    /// <summary>Runs every row of the suite on <paramref name="fromDir"/>.</summary>
    IReadOnlyList<ExperimentRow> Run(string fromDir, string dataDir, bool quick, IFlowReporter r);

    /// <summary>What the rows show, for under the table; the rows are the measured ones.</summary>
    IEnumerable<string> Findings(IReadOnlyList<ExperimentRow> rows);
}

/// <summary>
/// The experiments command: runs a suite and writes docs/results.md (a section per suite) and the rows as
/// JSON (<see cref="ResultsFile"/>: a run replaces its own suite's section and rows, and keeps the other
/// suites'). Both files are written atomically; existing ones are updated only with --force (or, for the
/// seeds suite, --resume). The ptq suite runs on float checkpoints (<see cref="IExperimentSuite"/>); the
/// seeds suite trains its own (<see cref="SeedSuite"/>).
/// </summary>
public static class ExperimentsFlow
{
    private static readonly Dictionary<string, IExperimentSuite> Registry = new IExperimentSuite[] { new PtqSuite() }.ToDictionary(s => s.Name);

    /// <summary>The suites --suite takes, in the order of their sections in docs/results.md.</summary>
    public static IReadOnlyList<string> Suites { get; } = [.. Registry.Keys, SeedSuite.Name];

    /// <summary>Runs <paramref name="suiteName"/> on each of <paramref name="froms"/> and writes the table and the rows.</summary>
    public static IReadOnlyList<ExperimentRow> Run(string suiteName, IReadOnlyList<string> froms, string mdPath, string jsonPath, bool quick, string dataDir, bool force, IFlowReporter r)
    {
        var suite = Suite(suiteName);
        if (froms.Count == 0) throw new ArgumentException("--from names no checkpoint (or give --rows to rewrite the table from stored rows)");
        foreach (var path in new[] { mdPath, jsonPath })
        {
            if (Directory.Exists(path)) throw new IOException($"'{path}' is a directory; name a file");
            if (File.Exists(path) && !force) throw new IOException($"'{path}' exists; pass --force to replace it");
        }
        var rows = froms.SelectMany(f => suite.Run(f, dataDir, quick, r)).ToList();
        var existingMd = File.Exists(mdPath) ? File.ReadAllText(mdPath) : null;
        var existingRows = ResultsFile.Rows(File.Exists(jsonPath) ? File.ReadAllText(jsonPath) : null, jsonPath);
        AtomicFile.WriteAllText(mdPath, ResultsFile.MergeMarkdown(existingMd, suite.Name, Markdown(suite, rows, quick)));
        AtomicFile.WriteAllText(jsonPath, ResultsFile.MergeJson(existingRows, suite.Name, rows.Select(ResultsFile.ToObject)));
        r.Info($"wrote {mdPath} and {jsonPath} ({rows.Count} rows)");
        return rows;
    }

    /// <summary>Rewrites the table <paramref name="mdPath"/> of <paramref name="suiteName"/> from rows stored by an earlier run, running nothing.</summary>
    public static int Render(string suiteName, string rowsPath, string mdPath, bool quick, bool force, IFlowReporter r)
    {
        if (suiteName == SeedSuite.Name) return SeedSuite.Render(rowsPath, mdPath, force, r);
        var suite = Suite(suiteName);
        if (File.Exists(mdPath) && !force) throw new IOException($"'{mdPath}' exists; pass --force to replace it");
        List<ExperimentRow>? rows;
        try
        {
            rows = ResultsFile.Rows(File.ReadAllText(rowsPath), rowsPath).Where(x => ResultsFile.SuiteOf(x) == suite.Name)
                .Select(x => x.Deserialize<ExperimentRow>(ResultsFile.Json)!).ToList();
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{rowsPath}: not rows written by 'quanthdl experiments': {e.Message.Split(" Path:")[0]}");
        }
        if (rows is null || rows.Count == 0) throw new ArgumentException($"{rowsPath} holds no rows of suite {suite.Name}");
        AtomicFile.WriteAllText(mdPath, ResultsFile.MergeMarkdown(File.Exists(mdPath) ? File.ReadAllText(mdPath) : null, suite.Name, Markdown(suite, rows, quick)));
        r.Info($"wrote {mdPath} from the {rows.Count} rows in {rowsPath}");
        return rows.Count;
    }

    private static IExperimentSuite Suite(string name) => Registry.TryGetValue(name, out var suite) ? suite
        : name == SeedSuite.Name ? throw new ArgumentException($"--suite {name} trains its own models; it takes no --from (see 'quanthdl experiments --help')")
        : throw new ArgumentException($"--suite '{name}' is unknown; the suites are {string.Join(", ", Suites)}");

    /// <summary>The suite's section: one row per (model, method), accuracies in percent, then the findings.</summary>
    public static string Markdown(IExperimentSuite suite, IReadOnlyList<ExperimentRow> rows, bool quick)
    {
        var sb = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        sb.AppendLine($"## {suite.Title}").AppendLine();
        if (quick) sb.AppendLine("Run with `--quick`: fewer AdaRound iterations, calibration samples and test images.").AppendLine();
        sb.AppendLine("| Model | Method | Weights | Acts | FP acc. | Fake-quant acc. | Integer acc. (golden) | Δ vs FP (points) | Test images | PTQ time (s) |");
        sb.AppendLine("|---|---|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
            sb.AppendLine(string.Create(c, $"| `{row.Model}` | {row.Method} | {row.Weights} | {row.Activations} | {row.FloatAccuracy * 100:F2}% | {row.FakeQuantAccuracy * 100:F2}% | {row.IntegerAccuracy * 100:F2}% | {(row.IntegerAccuracy - row.FloatAccuracy) * 100:+0.00;-0.00} | {row.TestImages} | {row.Seconds:F1} |"));
        sb.AppendLine();
        foreach (var line in suite.Findings(rows)) sb.AppendLine(line);
        return sb.ToString();
    }

    /// <summary>The integer model's accuracy: freeze, lower with the default passes, run the golden simulator on the first <paramref name="count"/> test images.</summary>
    public static double GoldenAccuracy(ModelSource source, IdxDataset test, int count, IFlowReporter r, string label) =>
        GoldenAccuracy(PassPipeline.Run(Freezer.Freeze(source), PassPipeline.Default()), test, count, r, label);

    /// <summary>The accuracy of the lowered integer model <paramref name="graph"/> in the golden simulator on the first <paramref name="count"/> test images.</summary>
    public static double GoldenAccuracy(IrGraph graph, IdxDataset test, int count, IFlowReporter r, string label)
    {
        if (count < test.Count) test = test.Take(count);
        var sim = new GoldenSimulator(graph);
        var x = new long[test.Features];
        int correct = 0;
        r.Progress(label, test.Count, advance =>
        {
            for (int s = 0; s < test.Count; s++)
            {
                for (int i = 0; i < x.Length; i++) x[i] = test.Images[s * test.Features + i];
                if (GoldenSimulator.ArgMax(sim.Logits(x, s)) == test.Labels[s]) correct++;
                if ((s & 63) == 63 || s + 1 == test.Count) advance(s % 64 + 1);
            }
        });
        return (double)correct / test.Count;
    }
}

/// <summary>
/// The white paper's PTQ rows (docs/ptq.md): W8A8 with min-max and with MSE ranges; W4A8 round-to-nearest,
/// plus CLE (with bias absorption), plus bias correction, and AdaRound (the default pipeline).
/// </summary>
public sealed class PtqSuite : IExperimentSuite
{
    /// <inheritdoc/>
    public string Name => "ptq";

    /// <inheritdoc/>
    public string Title => "Post-training quantization (white paper pipeline, `quanthdl ptq`)";

    /// <summary>The rows: a method name and its options.</summary>
    public static IReadOnlyList<(string Method, PtqOptions Options)> Methods(bool quick)
    {
        var w8 = new PtqOptions(new WeightSpec(WeightCode.Uniform, 8), new ActivationSpec(8)) { Cle = false, BiasAbsorption = false, AdaRound = false };
        var w4 = w8 with { Weights = new WeightSpec(WeightCode.Uniform, 4) };
        var rows = new List<(string, PtqOptions)>
        {
            ("min-max ranges, RTN", w8 with { WeightRange = RangeMethod.MinMax, ActivationRange = RangeMethod.MinMax }),
            ("MSE ranges, RTN", w8),
            ("MSE ranges, RTN", w4),
            ("+ CLE, bias absorption", w4 with { Cle = true, BiasAbsorption = true }),
            ("+ CLE, bias absorption, bias correction", w4 with { Cle = true, BiasAbsorption = true, BiasCorrection = true }),
            ("+ CLE, bias absorption, AdaRound (default pipeline)", w4 with { Cle = true, BiasAbsorption = true, AdaRound = true }),
        };
        return quick ? rows.Select(m => (m.Item1, m.Item2 with { Calibration = 256, AdaRoundIterations = 200 })).ToList() : rows;
    }

    /// <inheritdoc/>
    public IReadOnlyList<ExperimentRow> Run(string fromDir, string dataDir, bool quick, IFlowReporter r)
    {
        var (info, fp) = PtqFlow.LoadFloat(fromDir);
        var (train, test) = TrainFlow.LoadData(dataDir, fp.Spec);
        int images = quick ? Math.Min(2000, test.Count) : test.Count;
        var testPart = test.Take(images);
        double fpAcc = Trainer.Evaluate(fp, testPart, asImages: fp.TakesImages);
        var rows = new List<ExperimentRow>();
        foreach (var (method, o) in Methods(quick))
        {
            r.Info($"== {info.Model}: {o.Weights} / {o.Activations}, {method}");
            var calib = PtqFlow.Calibration(train, o.Calibration, fp.TakesImages);
            var clock = Stopwatch.StartNew();
            var result = PtqPipeline.Run(fp, calib, o, r.Progress);
            double seconds = clock.Elapsed.TotalSeconds;
            double fake = Trainer.Evaluate(result.Model, testPart, asImages: result.Model.TakesImages);
            double integer = ExperimentsFlow.GoldenAccuracy(FakeQuantSource.From(result.Model, "ptq", result.LogitStep), test, images, r, "golden simulation");
            r.Info($"   fake-quant {fake:P2}, integer {integer:P2} (float {fpAcc:P2}), {seconds:F1} s");
            rows.Add(new ExperimentRow(Name, info.Model, method, o.Weights.ToString(), o.Activations.ToString(), fpAcc, fake, integer, images, seconds));
        }
        return rows;
    }

    /// <inheritdoc/>
    public IEnumerable<string> Findings(IReadOnlyList<ExperimentRow> rows)
    {
        var c = CultureInfo.InvariantCulture;
        yield return "PTQ time is the pipeline alone (folding, equalization, range setting, rounding, corrections) on the calibration set, not loading or the golden run.";
        yield return "The paper expects W8A8 within 0.5 points of FP, a W4A8 round-to-nearest drop that AdaRound mostly recovers, and CLE to matter for depthwise convs and little for these nets.";
        yield return "";
        yield return "What the measured rows show:";
        yield return "";
        foreach (var model in rows.Select(x => x.Model).Distinct())
        {
            var m = rows.Where(x => x.Model == model).ToList();
            double fp = m[0].FloatAccuracy;
            string Drop(ExperimentRow x) => string.Create(c, $"{(x.IntegerAccuracy - fp) * 100:+0.00;-0.00}");
            var w8 = m.Where(x => x.Weights == "uniform:8").ToList();
            var w4 = m.Where(x => x.Weights == "uniform:4").ToList();
            string within = w8.All(x => Math.Abs(x.IntegerAccuracy - fp) <= 0.005) ? "within" : "not all within";
            string line = FormattableString.Invariant($"- `{model}` (FP {fp * 100:F2}%): W8A8 {string.Join(" and ", w8.Select(Drop))} points ({within} 0.5 points); ")
                + FormattableString.Invariant($"W4A8 round-to-nearest {Drop(w4[0])}, + CLE {Drop(w4[1])}, + bias correction {Drop(w4[2])}, AdaRound {Drop(w4[3])}");
            if (w4[0].IntegerAccuracy < fp && w4[3].IntegerAccuracy > w4[0].IntegerAccuracy)
                line += FormattableString.Invariant($" (AdaRound recovers {Math.Min(1, (w4[3].IntegerAccuracy - w4[0].IntegerAccuracy) / (fp - w4[0].IntegerAccuracy)) * 100:F0}% of the round-to-nearest drop)");
            else if (w4[0].IntegerAccuracy < fp)
                line += FormattableString.Invariant($" (AdaRound does not recover the round-to-nearest drop here; against its own CLE baseline it moves {(w4[3].IntegerAccuracy - w4[1].IntegerAccuracy) * 100:+0.00;-0.00} points{(w4[2].IntegerAccuracy > w4[3].IntegerAccuracy ? ", and bias correction does better" : "")})");
            yield return line + ".";
            double rtnDrop = (fp - w4[0].IntegerAccuracy) * 100, se = Math.Sqrt(fp * (1 - fp) / m[0].TestImages) * 100;
            if (rtnDrop < 1)
                yield return FormattableString.Invariant($"  The W4A8 round-to-nearest drop is only {rtnDrop:F2} points: per-channel MSE scales already fit 4-bit weights well on this net, so AdaRound has little to recover, and differences between the W4A8 rows are of the order of the test set's standard error ({se:F2} points at {fp * 100:F0}% on {m[0].TestImages} images). The paper's large round-to-nearest drops are for per-tensor scales and deeper nets.");
            if (Math.Abs(w4[1].IntegerAccuracy - w4[0].IntegerAccuracy) * 100 < 2 * se)
                yield return FormattableString.Invariant($"  CLE moves the accuracy by {(w4[1].IntegerAccuracy - w4[0].IntegerAccuracy) * 100:+0.00;-0.00} points, within twice the standard error: as expected for a net without depthwise convs, whose per-channel ranges CLE cannot improve much.");
        }
    }
}
