using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using QuantHdl.Arithmetic;
using QuantHdl.Artifacts;
using QuantHdl.Compiler.Freeze;
using QuantHdl.Compiler.Ir;
using QuantHdl.Compiler.Passes;
using QuantHdl.Engine.Data;
using QuantHdl.Engine.Tensors;
using QuantHdl.Hardware.Estimates;
using QuantHdl.Models;
using QuantHdl.Quantization;

namespace QuantHdl.Flows;

/// <summary>The settings of <c>quanthdl experiments --suite seeds</c> (<see cref="SeedSuite"/>).</summary>
public sealed record SeedSuiteOptions
{
    /// <summary>The model trained for every seed: an <c>mlp:</c> spec, <c>lenet5</c> or <c>resnet8</c> (docs/models.md).</summary>
    public string Model { get; init; } = "mlp:784-64-32-10";

    /// <summary>The seeds every row is trained with; at least two, distinct.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [0, 1];

    /// <summary>Float training epochs (Adam).</summary>
    public int FpEpochs { get; init; } = 3;

    /// <summary>QAT epochs (Adam, cosine schedule), with and without BWRF.</summary>
    public int QatEpochs { get; init; } = 2;

    /// <summary>Float learning rate.</summary>
    public double FpLr { get; init; } = 1e-3;

    /// <summary>QAT learning rate.</summary>
    public double QatLr { get; init; } = 5e-4;

    /// <summary>Mini-batch size of both.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>The IDX data set.</summary>
    public string DataDir { get; init; } = IdxDataset.DefaultDataDir;

    /// <summary>The reduced suite: 1000 training and 300 test images, one epoch each, six rows.</summary>
    public bool Quick { get; init; }

    /// <summary>Keep the rows results.json already holds for the same model and recipe, and run only the others.</summary>
    public bool Resume { get; init; }

    /// <summary>The settings of every BWRF row.</summary>
    public BwrfOptions Bwrf { get; init; } = new();

    /// <summary>Parses <c>--seeds</c>: integers separated by commas.</summary>
    public static IReadOnlyList<int> ParseSeeds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var seeds = new List<int>();
        foreach (var p in parts)
            seeds.Add(int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) && s >= 0
                ? s : throw new ArgumentException($"--seeds '{text}': '{p}' is not a seed (a non-negative integer); e.g. --seeds 0,1"));
        return seeds;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad value; returns this.</summary>
    public SeedSuiteOptions Check()
    {
        if (Seeds.Count < 2) throw new ArgumentException($"--seeds {string.Join(",", Seeds)}: the suite reports mean and std over at least 2 seeds");
        if (Seeds.Distinct().Count() != Seeds.Count) throw new ArgumentException($"--seeds {string.Join(",", Seeds)} repeats a seed");
        if (FpEpochs < 1 || FpEpochs > 1000) throw new ArgumentException($"--fp-epochs {FpEpochs} is out of range 1..1000");
        if (QatEpochs < 1 || QatEpochs > 1000) throw new ArgumentException($"--qat-epochs {QatEpochs} is out of range 1..1000");
        new TrainOptions(FpEpochs, 0, BatchSize, FpLr).Check();
        new TrainOptions(QatEpochs, 0, BatchSize, QatLr).Check();
        Bwrf.Check();
        return this;
    }
}

/// <summary>
/// One row of the seeds suite: a method at one width trained once per seed. <see cref="Status"/> is <c>ok</c>, or
/// says why the row was not run (<c>not available: …</c>, <c>unsupported: …</c>); such a row has no numbers.
/// Accuracies are fractions; <see cref="Seconds"/> is the wall time of each seed's training (float training for the
/// baseline, QAT for the others), measured on a machine that may have been loaded.
/// </summary>
public sealed record SeedRow(
    string Suite,
    string Model,
    string Recipe,
    string Method,
    string Weights,
    string Activations,
    int Bits,
    bool Bwrf,
    string Status,
    int[] Seeds,
    double[] Accuracies,
    double[] IntegerAccuracies,
    double[] Seconds,
    double AccuracyMean,
    double AccuracyStd,
    double? IntegerMean,
    int TestImages,
    int GoldenImages,
    string? MacLayer,
    double? MacLuts,
    double? MacDsps,
    string? MacForm,
    double? BwrfCostRatio)
{
    /// <summary>
    /// The weight quantizers' relative squared error at initialization, <c>sum (w - q(w))^2 / sum w^2</c> over
    /// every conv and dense layer of the float model, mean over the seeds: how well the level set fits the
    /// trained weights before QAT moves them (null for the baseline and rows not run).
    /// </summary>
    public double? WeightError { get; init; }

    /// <summary>The blocks + 2 bound on <see cref="BwrfCostRatio"/> (docs/bwrf.md).</summary>
    public double? BwrfCostBound { get; init; }

    /// <summary>The machine's load when the row started (<c>/proc/loadavg</c>'s 1-minute figure and the core count), if known.</summary>
    public string? Load { get; init; }

    /// <summary>True when the row was run.</summary>
    [JsonIgnore]
    public bool Ok => Status == "ok";

    /// <summary>The key <c>--resume</c> matches rows by.</summary>
    [JsonIgnore]
    public string Key => $"{Model}|{Recipe}|{Method}|{Weights}|{Activations}|{Bwrf}";
}

/// <summary>
/// <c>quanthdl experiments --suite seeds</c>: trains the float baseline, then QAT at W4A4, W3A3 and W2A2 with LSQ
/// (uniform weights), POT, POST, ASQ with uniform weights and ASQ with POST (docs/bwrf.md, algorithms), each with and
/// without BWRF, once per seed, on Fashion-MNIST; evaluates each in fake-quant and, frozen, in the golden integer
/// simulator; and quotes the estimator's cost of one MAC lane (<see cref="MacLaneCost"/>, xc7) of the layer the
/// table names. A method whose activation or weight spec the library does not parse is reported as such, never
/// run or estimated. The rows are written to results.json and the section of results.md after every row, so an
/// interrupted run continues with <see cref="SeedSuiteOptions.Resume"/>.
/// </summary>
public static class SeedSuite
{
    /// <summary>The --suite name.</summary>
    public const string Name = "seeds";

    /// <summary>The section title.</summary>
    public const string Title = "QAT methods over seeds (`--suite seeds`)";

    /// <summary>One method of the table at one width: its name, weight and activation specs, and whether BWRF trains it.</summary>
    public sealed record Method(string Name, string Weights, string Activations, int Bits, bool Bwrf)
    {
        /// <summary>The name with " + BWRF".</summary>
        public string Label => Bwrf ? Name + " + BWRF" : Name;
    }

    /// <summary>The rows after the float baseline, in table order.</summary>
    public static IReadOnlyList<Method> Methods(bool quick)
    {
        (string Name, string W, string A)[] kinds =
        [
            ("LSQ", "uniform", "uniform"), ("POT", "pot", "uniform"), ("POST", "post", "uniform"),
            ("ASQ + uniform", "uniform", "asq"), ("ASQ + POST", "post", "asq"),
        ];
        var rows = new List<Method>();
        foreach (int b in new[] { 4, 3, 2 })
            foreach (bool bwrf in new[] { false, true })
                foreach (var k in kinds)
                    rows.Add(new Method(k.Name, $"{k.W}:{b}", $"{k.A}:{b}", b, bwrf));
        if (!quick) return rows;
        // The quick suite: one of each kind of row (plain, BWRF, POST, ASQ, a 2-bit width).
        return rows.Where(m => (m.Bits == 4 && (m.Name is "LSQ" or "POST" or "ASQ + uniform") && !m.Bwrf) || (m.Bits == 4 && m.Name == "LSQ" && m.Bwrf)
            || (m.Bits == 2 && m.Name == "POST" && !m.Bwrf)).ToList();
    }

    /// <summary>Runs the suite and writes <paramref name="mdPath"/> and <paramref name="jsonPath"/>; returns the suite's rows of this model and recipe.</summary>
    public static IReadOnlyList<SeedRow> Run(SeedSuiteOptions o, string mdPath, string jsonPath, bool force, IFlowReporter r)
    {
        o.Check();
        foreach (var path in new[] { mdPath, jsonPath })
        {
            if (Directory.Exists(path)) throw new IOException($"'{path}' is a directory; name a file");
            if (File.Exists(path) && !force && !o.Resume) throw new IOException($"'{path}' exists; pass --force to replace the seeds rows in it, or --resume to keep those already run");
        }
        var existingRows = ResultsFile.Rows(File.Exists(jsonPath) ? File.ReadAllText(jsonPath) : null, jsonPath);
        var stored = existingRows.Where(x => ResultsFile.SuiteOf(x) == Name).Select(x => x.Deserialize<SeedRow>(ResultsFile.Json)!).ToList();

        var train = IdxDataset.Load(o.DataDir, train: true);
        var test = IdxDataset.Load(o.DataDir, train: false);
        if (o.Quick)
        {
            train = train.Take(Math.Min(1000, train.Count));
            test = test.Take(Math.Min(300, test.Count));
        }
        var modelText = TrainFlow.ModelText(o.Model);
        var spec = ModelSpec.Parse(modelText, TrainFlow.SampleShape(train));
        if (train.Classes > spec.Classes) throw new ArgumentException($"the model has {spec.Classes} outputs but {o.DataDir} has {train.Classes} classes");
        int fpEpochs = o.Quick ? 1 : o.FpEpochs, qatEpochs = o.Quick ? 1 : o.QatEpochs;
        int goldenImages = test.Count;
        string model = ModelSpec.Label(modelText.Trim());
        string recipe = Recipe(o, fpEpochs, qatEpochs, train.Count, test.Count);
        var macLayer = spec.Nodes.Where(n => n.Layer is ConvSpec or DenseSpec).Skip(1).Select(n => n.Name).FirstOrDefault() ?? spec.Nodes[^1].Name;

        // Kept rows of other models or recipes stay in the file; rows of this model and recipe are replaced as they run.
        var kept = stored.Where(x => x.Model != model || x.Recipe != recipe).ToList();
        var done = o.Resume ? stored.Where(x => x.Model == model && x.Recipe == recipe && x.Ok).ToDictionary(x => x.Key) : [];
        var plan = new List<(Method? M, string? Refusal)> { (null, null) };
        plan.AddRange(Methods(o.Quick).Select(m => ((Method?)m, Refusal(m))));
        var rows = new List<SeedRow>();

        var fpModels = new Dictionary<int, (LayerGraph Model, double Accuracy, double Seconds)>();
        (LayerGraph Model, double Accuracy, double Seconds) Float(int seed, string label)
        {
            if (fpModels.TryGetValue(seed, out var f)) return f;
            var clock = Stopwatch.StartNew();
            var (net, acc) = TrainFlow.TrainFloatModel(spec, train, test, new TrainOptions(fpEpochs, seed, o.BatchSize, o.FpLr, o.DataDir), r, label);
            return fpModels[seed] = (net, acc, clock.Elapsed.TotalSeconds);
        }

        // ETA: seconds per epoch-unit so far, times the units left (a BWRF epoch counts as 2.5 plain ones, a float epoch as 0.5).
        double UnitsOf((Method? M, string? Refusal) p) => p.Refusal is not null ? 0
            : p.M is null ? 0.5 * fpEpochs * o.Seeds.Count
            : (p.M.Bwrf ? 2.5 : 1) * qatEpochs * o.Seeds.Count;
        string KeyOf(Method? m) => m is null ? Key(model, recipe, "FP baseline", "float", "float", false) : Key(model, recipe, m.Label, m.Weights, m.Activations, m.Bwrf);
        double unitsLeft = plan.Where(p => !done.ContainsKey(KeyOf(p.M))).Sum(UnitsOf), unitsDone = 0, secondsSpent = 0;
        var suiteClock = Stopwatch.StartNew();

        for (int k = 0; k < plan.Count; k++)
        {
            var (m, refusal) = plan[k];
            string label = m is null ? "FP baseline" : $"{m.Label} W{m.Bits}A{m.Bits}";
            if (done.TryGetValue(KeyOf(m), out var old))
            {
                r.Info($"row {k + 1}/{plan.Count} {label}: kept from {jsonPath} (--resume)");
                rows.Add(old);
                continue;
            }
            if (refusal is not null)
            {
                r.Info($"row {k + 1}/{plan.Count} {label}: {refusal}");
                rows.Add(Empty(model, recipe, m!, refusal, test.Count, goldenImages));
                Write();
                continue;
            }
            var rowLoad = LoadAverage();
            var accs = new List<double>();
            var ints = new List<double>();
            var secs = new List<double>();
            var ratios = new List<double>();
            var errors = new List<double>();
            double? bound = null;
            MacLaneCost? mac = null;
            string? failure = null;
            for (int si = 0; si < o.Seeds.Count && failure is null; si++)
            {
                int seed = o.Seeds[si];
                string eta = unitsDone > 0 ? $", ETA {Duration(secondsSpent / unitsDone * unitsLeft)}" : "";
                string prefix = $"row {k + 1}/{plan.Count} {label}, seed {seed} ({si + 1}/{o.Seeds.Count}{eta})";
                var started = suiteClock.Elapsed.TotalSeconds;
                double units = UnitsOf((m, null)) / o.Seeds.Count;
                if (m is null)
                {
                    bool trained = fpModels.ContainsKey(seed);
                    var f = Float(seed, prefix + ": train");
                    accs.Add(f.Accuracy);
                    secs.Add(f.Seconds);
                    if (trained) units = 0;
                }
                else
                {
                    var fp = Float(seed, prefix + ": train (float parent)");
                    var folded = BatchNormFolder.Fold(fp.Model);
                    QuantGraph q;
                    try
                    {
                        q = new QuantGraph(folded, WeightSpec.Parse(m.Weights), ActivationSpec.Parse(m.Activations));
                    }
                    catch (ArgumentException e)
                    {
                        failure = $"unsupported: {e.Message}";
                        break;
                    }
                    errors.Add(WeightErrorOf(q));
                    var clock = Stopwatch.StartNew();
                    var run = TrainFlow.QatModel(q, m.Bwrf ? folded : null, train, test, new TrainOptions(qatEpochs, seed, o.BatchSize, o.QatLr, o.DataDir), r, m.Bwrf ? o.Bwrf : null, prefix + ": qat");
                    secs.Add(clock.Elapsed.TotalSeconds);
                    accs.Add(run.Accuracy);
                    if (run.Cost is { } cost)
                    {
                        ratios.Add(cost.Ratio);
                        bound = cost.Bound;
                    }
                    IrGraph graph;
                    try
                    {
                        graph = PassPipeline.Run(Freezer.Freeze(FakeQuantSource.From(q, Name, run.LogitStep)), PassPipeline.Default());
                    }
                    catch (Exception e) when (e is IrException or ArithmeticLimitException or ArgumentException)
                    {
                        failure = $"freeze failed: {e.Message}";
                        break;
                    }
                    ints.Add(ExperimentsFlow.GoldenAccuracy(graph, test, goldenImages, r, prefix + ": golden simulation"));
                    mac ??= MacLaneCost.Of(graph, macLayer, FpgaFamily.Xc7);
                }
                secondsSpent += suiteClock.Elapsed.TotalSeconds - started;
                unitsDone += units;
                unitsLeft -= units;
            }
            SeedRow row;
            if (failure is not null)
            {
                row = Empty(model, recipe, m!, failure, test.Count, goldenImages);
                unitsLeft -= UnitsOf((m, null)) * (o.Seeds.Count - secs.Count) / o.Seeds.Count;
            }
            else
            {
                row = new SeedRow(Name, model, recipe, m?.Label ?? "FP baseline", m?.Weights ?? "float", m?.Activations ?? "float", m?.Bits ?? 32, m?.Bwrf ?? false, "ok",
                    o.Seeds.ToArray(), accs.ToArray(), ints.ToArray(), secs.ToArray(), accs.Average(), Std(accs), ints.Count > 0 ? ints.Average() : null,
                    test.Count, goldenImages, m is null ? null : macLayer, mac?.Luts, mac?.Dsps, mac?.Form, ratios.Count > 0 ? ratios.Average() : null)
                { Load = rowLoad, WeightError = errors.Count > 0 ? errors.Average() : null, BwrfCostBound = bound };
            }
            r.Info(row.Ok
                ? string.Create(CultureInfo.InvariantCulture, $"row {k + 1}/{plan.Count} {label}: {row.AccuracyMean * 100:F2} ± {row.AccuracyStd * 100:F2}% fake-quant{(row.IntegerMean is double g ? $", {g * 100:F2}% golden" : "")}, {row.Seconds.Average():F1} s per seed")
                : $"row {k + 1}/{plan.Count} {label}: {row.Status}");
            rows.Add(row);
            Write();
        }
        r.Info($"wrote {mdPath} and {jsonPath} ({rows.Count} seeds rows of {model})");
        return rows;

        void Write()
        {
            var all = kept.Concat(rows).ToList();
            AtomicFile.WriteAllText(jsonPath, ResultsFile.MergeJson(existingRows, Name, all.Select(ResultsFile.ToObject)));
            var md = File.Exists(mdPath) ? File.ReadAllText(mdPath) : null;
            AtomicFile.WriteAllText(mdPath, ResultsFile.MergeMarkdown(md, Name, Markdown(all)));
        }
    }

    /// <summary>Rewrites the seeds section of <paramref name="mdPath"/> from the rows stored in <paramref name="rowsPath"/>, running nothing.</summary>
    public static int Render(string rowsPath, string mdPath, bool force, IFlowReporter r)
    {
        if (File.Exists(mdPath) && !force) throw new IOException($"'{mdPath}' exists; pass --force to replace it");
        var rows = ResultsFile.Rows(File.ReadAllText(rowsPath), rowsPath).Where(x => ResultsFile.SuiteOf(x) == Name)
            .Select(x => x.Deserialize<SeedRow>(ResultsFile.Json)!).ToList();
        if (rows.Count == 0) throw new ArgumentException($"{rowsPath} holds no rows of suite {Name}");
        AtomicFile.WriteAllText(mdPath, ResultsFile.MergeMarkdown(File.Exists(mdPath) ? File.ReadAllText(mdPath) : null, Name, Markdown(rows)));
        r.Info($"wrote {mdPath} from the {rows.Count} seeds rows in {rowsPath}");
        return rows.Count;
    }

    /// <summary>Why a method cannot run with this library, from its own spec parsers (null: it can).</summary>
    private static string? Refusal(Method m)
    {
        try
        {
            ActivationSpec.Parse(m.Activations);
        }
        catch (ArgumentException e)
        {
            return m.Activations.StartsWith("asq", StringComparison.Ordinal) ? $"not available: {e.Message}" : $"unsupported: {e.Message}";
        }
        try
        {
            WeightSpec.Parse(m.Weights);
        }
        catch (ArgumentException e)
        {
            return $"unsupported: {e.Message}";
        }
        return null;
    }

    /// <summary>The relative squared weight error of every conv and dense layer of <paramref name="q"/>, as its quantizers stand.</summary>
    public static double WeightErrorOf(QuantGraph q)
    {
        double err = 0, norm = 0;
        using var ng = Tensor.NoGrad();
        foreach (var (_, m) in q.Nodes)
        {
            var (w, wq) = m switch
            {
                QuantLinear l => (l.Weight, l.Quantizer.Forward(l.Weight)),
                QuantConv2d c => (c.Weight, c.Quantizer.Forward(c.Weight.Reshape(c.Weight.Dim(0), c.Weight.Numel / c.Weight.Dim(0)))),
                _ => (null, null),
            };
            if (w is null) continue;
            for (int i = 0; i < w.Numel; i++)
            {
                double d = w.Data[i] - wq!.Data[i];
                err += d * d;
                norm += (double)w.Data[i] * w.Data[i];
            }
        }
        return norm > 0 ? err / norm : 0;
    }

    private static string Key(string model, string recipe, string method, string w, string a, bool bwrf) => $"{model}|{recipe}|{method}|{w}|{a}|{bwrf}";

    private static SeedRow Empty(string model, string recipe, Method m, string status, int testImages, int goldenImages) =>
        new(Name, model, recipe, m.Label, m.Weights, m.Activations, m.Bits, m.Bwrf, status, [], [], [], [], double.NaN, double.NaN, null, testImages, goldenImages, null, null, null, null, null);

    private static string Recipe(SeedSuiteOptions o, int fpEpochs, int qatEpochs, int trainImages, int testImages) => string.Create(CultureInfo.InvariantCulture,
        $"seeds {string.Join(",", o.Seeds)}; float {fpEpochs} epochs Adam lr {o.FpLr}; QAT {qatEpochs} epochs Adam lr {o.QatLr} cosine; batch {o.BatchSize}; {trainImages} train / {testImages} test images{(o.Quick ? "; --quick" : "")}; BWRF {o.Bwrf}");

    /// <summary>Sample standard deviation (n - 1).</summary>
    private static double Std(IReadOnlyList<double> xs)
    {
        if (xs.Count < 2) return 0;
        double mean = xs.Average();
        return Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Count - 1));
    }

    private static string Duration(double seconds) => seconds < 90 ? $"{seconds:F0}s" : seconds < 5400 ? $"{seconds / 60:F0}m" : $"{seconds / 3600:F1}h";

    private static string? LoadAverage()
    {
        try
        {
            return $"{File.ReadAllText("/proc/loadavg").Split(' ')[0]}/{Environment.ProcessorCount}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The section: a table per (model, recipe), then the notes the rows support.</summary>
    public static string Markdown(IReadOnlyList<SeedRow> rows)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine($"## {Title}").AppendLine();
        foreach (var group in rows.GroupBy(x => (x.Model, x.Recipe)))
        {
            var g = group.ToList();
            var loads = g.Select(x => x.Load).OfType<string>().Select(l => l.Split('/')).Where(p => p.Length == 2 && double.TryParse(p[0], NumberStyles.Float, c, out _)).ToList();
            string? load = loads.Count == 0 ? null : string.Create(c, $"1-minute load average {loads.Min(p => double.Parse(p[0], c)):F1} to {loads.Max(p => double.Parse(p[0], c)):F1} on {loads[0][1]} cores at the rows' starts; the times are not benchmarks");
            sb.AppendLine($"### `{group.Key.Model}`").AppendLine();
            sb.AppendLine($"Recipe: {group.Key.Recipe}. Test accuracy is the fake-quant model's, mean ± sample std over the seeds (for ASQ rows the dynamic form, a beta per sample); the golden column is the frozen integer model in the golden simulator (mean; for ASQ the static form that deploys, beta folded to its calibrated constant, docs/asq.md, so the two columns of an ASQ row differ by the static-vs-dynamic gap as well); wall time is one seed's training (float training for the baseline, QAT otherwise){(load is null ? "" : $", measured under load ({load})")}. The MAC lane is the analytic estimator's figure for xc7 (`MacLaneCost`, docs/estimation.md) of layer `{g.FirstOrDefault(x => x.MacLayer is not null)?.MacLayer ?? "-"}`: the weight-times-activation term of one lane, without adder tree, accumulator or shared tables.").AppendLine();
            sb.AppendLine("| Method | Weights | Acts | Test acc. (fake-quant) | Golden integer acc. | Δ vs LSQ (points) | Wall time / seed (s) | MAC lane (xc7) | Multiplier form | Status |");
            sb.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---|---|");
            foreach (var x in g)
            {
                var lsq = Baseline(g, x);
                string delta = x.Ok && lsq is not null && !ReferenceEquals(lsq, x) ? string.Create(c, $"{(x.AccuracyMean - lsq.AccuracyMean) * 100:+0.00;-0.00}") : "";
                string acc = x.Ok ? string.Create(c, $"{x.AccuracyMean * 100:F2} ± {x.AccuracyStd * 100:F2}%") : "—";
                string golden = x.IntegerMean is double i ? string.Create(c, $"{i * 100:F2}%") : "—";
                string time = x.Ok ? string.Create(c, $"{x.Seconds.Average():F1}") : "—";
                string mac = x.MacLuts is double l ? (x.MacDsps is > 0 ? string.Create(c, $"{x.MacDsps:F0} DSP") : string.Create(c, $"{l:F1} LUT")) : "—";
                string status = x.Ok ? (x.BwrfCostRatio is double cr ? string.Create(c, $"ok (BWRF step {cr:F2}x plain)") : "ok") : x.Status.Replace("|", "\\|");
                sb.AppendLine($"| {x.Method} | {x.Weights} | {x.Activations} | {acc} | {golden} | {delta} | {time} | {mac} | {x.MacForm ?? "—"} | {status} |");
            }
            sb.AppendLine();
            foreach (var line in Notes(g)) sb.AppendLine(line);
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private static SeedRow? Baseline(IReadOnlyList<SeedRow> g, SeedRow x) =>
        g.FirstOrDefault(b => b.Ok && b.Method == "LSQ" && b.Bits == x.Bits && x.Weights != "float");

    /// <summary>
    /// What the rows show, computed from them: every method against LSQ at its width, BWRF against the same
    /// method without it, the expectations of algorithms.md (POST vs POT at 4 and 3 bits, ASQ vs LSQ at low
    /// widths, BWRF's gain largest at 2 bits), golden/fake-quant gaps, and the rows that were not run. A
    /// difference is called noise when it is below the larger of the std of the per-seed differences (the two
    /// rows' larger seed std when their seeds differ) and the test set's standard error.
    /// </summary>
    public static IEnumerable<string> Notes(IReadOnlyList<SeedRow> g)
    {
        var c = CultureInfo.InvariantCulture;
        var ok = g.Where(x => x.Ok).ToList();
        yield return "Notes (generated from the rows above):";
        yield return "";
        string Cmp(SeedRow a, SeedRow b, string what)
        {
            double d = (a.AccuracyMean - b.AccuracyMean) * 100;
            double se = Math.Sqrt(b.AccuracyMean * (1 - b.AccuracyMean) / Math.Max(1, b.TestImages)) * 100;
            // Rows of one seed share its float model, so the spread that matters is that of the per-seed differences.
            double spread = a.Seeds.SequenceEqual(b.Seeds) && a.Accuracies.Length == b.Accuracies.Length
                ? Std(a.Accuracies.Zip(b.Accuracies, (x, y) => x - y).ToList()) * 100
                : Math.Max(a.AccuracyStd, b.AccuracyStd) * 100;
            double noise = Math.Max(spread, se);
            string verdict = d > 0 ? "beats" : "does not beat";
            string within = Math.Abs(d) < noise ? string.Create(c, $", within noise (±{noise:F2})") : "";
            return string.Create(c, $"{a.Method} at W{a.Bits}A{a.Bits} {verdict} {what} ({a.AccuracyMean * 100:F2}% vs {b.AccuracyMean * 100:F2}%, {d:+0.00;-0.00} points{within})");
        }
        foreach (int bits in ok.Select(x => x.Bits).Where(b => b < 32).Distinct())
        {
            var lsq = ok.FirstOrDefault(x => x.Bits == bits && x.Method == "LSQ");
            var worse = new List<string>();
            foreach (var x in ok.Where(x => x.Bits == bits && !x.Bwrf && x.Method != "LSQ"))
                if (lsq is not null && x.AccuracyMean <= lsq.AccuracyMean) worse.Add(Cmp(x, lsq, "LSQ"));
            foreach (var w in worse) yield return $"- {w}.";
            foreach (var x in ok.Where(x => x.Bits == bits && x.Bwrf))
            {
                var plain = ok.FirstOrDefault(p => p.Bits == bits && !p.Bwrf && p.Weights == x.Weights && p.Activations == x.Activations);
                if (plain is not null) yield return $"- BWRF: {Cmp(x, plain, "its plain QAT row")}.";
            }
        }
        SeedRow? Find(string method, int bits) => ok.FirstOrDefault(x => x.Method == method && x.Bits == bits);
        string Err(SeedRow x) => x.WeightError is double e ? string.Create(c, $"{e * 100:F2}%") : "?";
        foreach (int bits in new[] { 4, 3 })
            if (Find("POST", bits) is { } post && Find("POT", bits) is { } pot)
            {
                bool holds = bits == 4 ? post.AccuracyMean > pot.AccuracyMean : true;
                string why = post.WeightError is double pe && pot.WeightError is double te
                    ? string.Create(c, $" Relative weight error at initialization: POST {Err(post)}, POT {Err(pot)}{(Find("LSQ", bits) is { } u ? $", uniform {Err(u)}" : "")} ({(pe < te ? "POST's level set fits the float weights better" : "POST's level set does not fit the float weights better")}).")
                    : "";
                yield return $"- Expectation (algorithms.md): POST clearly better than POT at 4 bits, not at 3. Measured at W{bits}A{bits}: {Cmp(post, pot, "POT")}{(holds ? "" : "; the expectation does not hold in this run")}.{why}";
            }
        foreach (int bits in new[] { 3, 2 })
            if (Find("ASQ + uniform", bits) is { } asq && Find("LSQ", bits) is { } l)
                yield return $"- Expectation: ASQ beats LSQ at low widths. Measured: {Cmp(asq, l, "LSQ")}{(asq.AccuracyMean > l.AccuracyMean ? "" : "; the expectation does not hold in this run")}.";
        if (Find("FP baseline", 32) is { } fp && ok.Where(x => x.Bits < 32).ToList() is { Count: > 0 } quant && quant.Max(x => x.AccuracyMean) > fp.AccuracyMean)
            yield return string.Create(c, $"- {quant.Count(x => x.AccuracyMean > fp.AccuracyMean)} quantized rows exceed the FP baseline ({fp.AccuracyMean * 100:F2}%): QAT starts from the FP model and trains it for more epochs, so short recipes favour the quantized rows; compare methods with each other, not with FP.");
        if (ok.Where(x => x.Bits < 32).ToList() is { Count: > 1 } spread)
        {
            double lo = spread.Min(x => x.AccuracyMean) * 100, hi = spread.Max(x => x.AccuracyMean) * 100, std = spread.Max(x => x.AccuracyStd) * 100;
            yield return string.Create(c, $"- The quantized rows span {lo:F2}% to {hi:F2}% ({hi - lo:F2} points), with seed std up to {std:F2} points. Most of that std is the float models' seed-to-seed spread, which every row of a seed shares, so the comparisons above take the spread of the per-seed differences, or the test set's standard error when that is larger, as their noise; {spread[0].Seeds.Length} seeds resolve little below it.");
        }
        foreach (var x in ok.Where(x => x.BwrfCostRatio is double r && x.BwrfCostBound is double b && r >= b))
            yield return string.Create(c, $"- {x.Method} at W{x.Bits}A{x.Bits}: the measured BWRF step cost {x.BwrfCostRatio:F2}x a plain step, above the bound of {x.BwrfCostBound:F0}x (blocks + 2); timed under load, on steps of a few milliseconds.");
        var gains = ok.Where(x => x.Bwrf).Select(x => (x.Bits, Gain: ok.FirstOrDefault(p => !p.Bwrf && p.Bits == x.Bits && p.Weights == x.Weights && p.Activations == x.Activations) is { } p ? (double?)(x.AccuracyMean - p.AccuracyMean) : null))
            .Where(t => t.Gain is not null).GroupBy(t => t.Bits).ToDictionary(t => t.Key, t => t.Average(v => v.Gain!.Value) * 100);
        if (gains.Count > 1)
        {
            int best = gains.MaxBy(kv => kv.Value).Key;
            yield return string.Create(c, $"- Expectation: BWRF helps most at 2 bits. Measured mean BWRF gain per width: {string.Join(", ", gains.OrderByDescending(kv => kv.Key).Select(kv => string.Create(c, $"W{kv.Key}A{kv.Key} {kv.Value:+0.00;-0.00}")))} points; largest at W{best}A{best}{(best == 2 ? "" : " (not at 2 bits: the expectation does not hold in this run)")}.");
        }
        foreach (var x in ok.Where(x => x.IntegerMean is double i && Math.Abs(i - x.AccuracyMean) > 0.01))
            yield return string.Create(c, $"- {x.Method} at W{x.Bits}A{x.Bits}: the golden integer model differs from fake-quant by {(x.IntegerMean!.Value - x.AccuracyMean) * 100:+0.00;-0.00} points.");
        var missing = g.Where(x => !x.Ok).ToList();
        if (missing.Count > 0)
            yield return $"- Not run ({missing.Count} rows): {string.Join("; ", missing.GroupBy(x => x.Status).Select(s => $"{string.Join(", ", s.Select(x => $"{x.Method} W{x.Bits}A{x.Bits}"))}: {s.Key}"))}.";
    }
}
