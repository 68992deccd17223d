using System.Text.Json;
using QuantHdl.Engine.Data;
using QuantHdl.Golden;
using QuantHdl.Compiler.Ir;
using QuantHdl.Engine.Training;
using QuantHdl.Artifacts;

namespace QuantHdl.Flows;

/// <summary>What 'quanthdl simulate' measured; written to simulate.json.</summary>
public sealed record SimulateReport(
    int Samples,
    double IntegerAccuracy,
    double FakeQuantAccuracy,
    double AccuracyDeltaPoints,
    int IdenticalPredictions,
    double IdenticalShare)
{
    /// <summary>
    /// ASQ checkpoints only: the fake-quant accuracy of the dynamic form (beta per sample). The other fields
    /// then compare the golden model with the static form, the one compiled (docs/asq.md).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public double? DynamicAsqAccuracy { get; init; }
}

/// <summary>The simulate stage: ir.json through the integer-only golden simulator on the test set.</summary>
public static class SimulateFlow
{
    /// <summary>Report file name inside a build directory.</summary>
    public const string ReportFile = "simulate.json";

    /// <summary>
    /// Runs the golden model and the fake-quant model on the test set and compares them.
    /// <paramref name="dataDir"/> null means the data set the build was compiled with (<see cref="BuildDataset"/>).
    /// </summary>
    public static SimulateReport Simulate(string buildDir, string? dataDir, int limit, IFlowReporter r)
    {
        if (limit < 1) throw new ArgumentException($"--limit {limit} must be positive");
        var graph = IrJson.Load(Path.Combine(buildDir, CompileFlow.IrFile));
        dataDir ??= BuildDataset.Load(buildDir).DataDir;
        var (_, model) = ModelStore.LoadQat(Path.Combine(buildDir, CompileFlow.CheckpointDir));
        var test = IdxDataset.Load(dataDir, train: false);
        if (test.Features != graph.Nodes[0].OutSize)
            throw new ArgumentException($"ir.json takes {graph.Nodes[0].OutSize} inputs but images in {dataDir} have {test.Features} pixels");
        if (test.Classes != graph.Classes)
            throw new ArgumentException($"ir.json has {graph.Classes} logits but {dataDir} has {test.Classes} classes");
        if (limit < test.Count) test = test.Take(limit);
        var sim = new GoldenSimulator(graph);
        var golden = new int[test.Count];
        r.Progress("golden simulation", test.Count, advance =>
        {
            // Samples are independent and the kernels keep no state between them, so blocks of samples run on
            // every core; each sample's result lands in its own slot, so the order of work changes nothing.
            const int block = 256;
            for (int start = 0; start < test.Count; start += block)
            {
                int end = Math.Min(test.Count, start + block);
                Parallel.For(start, end, () => new long[test.Features], (s, _, x) =>
                {
                    for (int i = 0; i < x.Length; i++) x[i] = test.Images[s * test.Features + i];
                    golden[s] = GoldenSimulator.ArgMax(sim.Logits(x, s));
                    return x;
                }, _ => { });
                advance(end - start);
            }
        });
        // The model loads static (the compiled form); an ASQ model is also scored with its per-sample beta.
        var fake = Trainer.Predict(model, test, asImages: model.TakesImages);
        double? dynamicAsq = null;
        if (model.AsqQuantizers().Count > 0)
        {
            model.UseStaticAsq(false);
            dynamicAsq = Trainer.Evaluate(model, test, asImages: model.TakesImages);
            model.UseStaticAsq(true);
        }
        int correctInt = 0, correctFake = 0, same = 0;
        for (int s = 0; s < test.Count; s++)
        {
            if (golden[s] == test.Labels[s]) correctInt++;
            if (fake[s] == test.Labels[s]) correctFake++;
            if (golden[s] == fake[s]) same++;
        }
        double ai = (double)correctInt / test.Count, af = (double)correctFake / test.Count;
        var report = new SimulateReport(test.Count, ai, af, (ai - af) * 100, same, (double)same / test.Count) { DynamicAsqAccuracy = dynamicAsq };
        ArtifactMarker.Record(buildDir, ReportFile);
        AtomicFile.WriteAllText(Path.Combine(buildDir, ReportFile), JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        if (dynamicAsq is double d) r.Info($"asq on {test.Count} test images: dynamic fake-quant {d:P2}, static fake-quant {af:P2}, static golden {ai:P2}");
        r.Info($"golden (integer) accuracy {ai:P2} on {test.Count} test images; fake-quant{(dynamicAsq is null ? "" : " (static ASQ)")} {af:P2}; delta {report.AccuracyDeltaPoints:+0.00;-0.00} points; identical predictions {same}/{test.Count} ({report.IdenticalShare:P2})");
        return report;
    }
}
