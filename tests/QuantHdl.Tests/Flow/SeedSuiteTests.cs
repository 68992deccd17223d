using System.Text.Json.Nodes;
using QuantHdl.Arithmetic;
using QuantHdl.Flows;

namespace QuantHdl.Tests.Flow;

/// <summary>
/// <c>experiments --suite seeds --quick</c> end to end: the rows, the library's own verdict on each spec (a row
/// the parsers refuse is marked, never run), the golden column, --resume, the other suites' section and rows
/// kept, and notes that follow from the numbers.
/// </summary>
public class SeedSuiteTests
{
    private static bool Parses(Func<object> parse)
    {
        try { parse(); return true; }
        catch (ArgumentException) { return false; }
    }

    [Fact]
    public void TheQuickSuiteRunsMarksRefusedRowsResumesAndKeepsThePtqSection()
    {
        var tmp = CliRunner.TempDir("seeds");
        var md = Path.Combine(tmp, "results.md");
        var json = Path.Combine(tmp, "results.json");
        // An existing file of the ptq suite, as written before suites had markers.
        File.WriteAllText(md, "# Experiment results\n\nWritten by `quanthdl experiments`.\n\n## Post-training quantization (white paper pipeline, `quanthdl ptq`)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        File.WriteAllText(json, "[{\"suite\": \"ptq\", \"model\": \"m\", \"method\": \"x\"}]");
        var o = new SeedSuiteOptions { Quick = true, DataDir = FashionSubset.Path };
        var r = new SilentReporter();
        var rows = SeedSuite.Run(o, md, json, force: true, r);

        Assert.Equal(1 + SeedSuite.Methods(quick: true).Count, rows.Count);
        Assert.Equal("FP baseline", rows[0].Method);
        foreach (var row in rows)
        {
            bool runnable = Parses(() => WeightSpec.Parse(row.Weights == "float" ? "uniform:8" : row.Weights)) && Parses(() => ActivationSpec.Parse(row.Activations == "float" ? "uniform:8" : row.Activations));
            if (!runnable)
            {
                Assert.False(row.Ok, $"{row.Method} {row.Weights}/{row.Activations} ran although the library refuses its spec");
                Assert.Matches(row.Activations.StartsWith("asq") && !Parses(() => ActivationSpec.Parse(row.Activations)) ? "^not available: " : "^unsupported: ", row.Status);
                Assert.Empty(row.Accuracies);
                continue;
            }
            Assert.True(row.Ok, $"{row.Method}: {row.Status}");
            Assert.Equal([0, 1], row.Seeds);
            Assert.Equal(2, row.Accuracies.Length);
            Assert.Equal(row.Accuracies.Average(), row.AccuracyMean, 9);
            Assert.Equal(Math.Abs(row.Accuracies[0] - row.Accuracies[1]) / Math.Sqrt(2), row.AccuracyStd, 9);
            Assert.True(row.AccuracyMean > 0.3, $"{row.Method} {row.Weights}: {row.AccuracyMean:P1} after one epoch on 1000 images");
            if (row.Weights == "float") continue;
            // The golden integer model runs and agrees closely with fake-quant.
            Assert.Equal(2, row.IntegerAccuracies.Length);
            Assert.True(Math.Abs(row.IntegerMean!.Value - row.AccuracyMean) <= 0.02, $"{row.Method}: golden {row.IntegerMean:P1}, fake-quant {row.AccuracyMean:P1}");
            Assert.Equal("fc2", row.MacLayer);
            Assert.True(row.MacLuts > 0 || row.MacDsps > 0);
            if (row.Bwrf) Assert.True(row.BwrfCostRatio > 0 && row.BwrfCostBound == 5, $"cost {row.BwrfCostRatio}, bound {row.BwrfCostBound}"); // 3 blocks; the bound itself is asserted in BwrfTests
        }
        var text = File.ReadAllText(md);
        Assert.Contains("| 1 | 2 |", text); // the ptq section is kept
        Assert.True(text.IndexOf("<!-- suite: ptq -->") < text.IndexOf("<!-- suite: seeds -->"));
        Assert.Contains("### `mlp:784-64-32-10`", text);
        var stored = JsonNode.Parse(File.ReadAllText(json))!.AsArray();
        Assert.Equal("ptq", stored[0]!["suite"]!.GetValue<string>());
        Assert.Equal(rows.Count, stored.Count(n => n!["suite"]!.GetValue<string>() == "seeds"));

        // --resume keeps every row that ran, trains nothing, and gives the same file.
        var before = File.ReadAllText(json);
        var again = new SilentReporter();
        var resumed = SeedSuite.Run(o with { Resume = true }, md, json, force: false, again);
        Assert.Equal(rows.Count(x => x.Ok), again.Lines.Count(l => l.Contains("kept from")));
        Assert.DoesNotContain(again.Lines, l => l.Contains("epoch"));
        Assert.Equal(rows.Select(x => x.Accuracies), resumed.Select(x => x.Accuracies));
        Assert.Equal(before, File.ReadAllText(json));

        var e = Assert.Throws<IOException>(() => SeedSuite.Run(o, md, json, force: false, r));
        Assert.Contains("--resume", e.Message);
    }

    private static SeedRow Row(string method, int bits, bool bwrf, double acc, double std = 0.001) =>
        new("seeds", "m", "r", method, method == "POT" ? $"pot:{bits}" : method == "POST" ? $"post:{bits}" : $"uniform:{bits}", $"uniform:{bits}", bits, bwrf, "ok",
            [0, 1], [acc, acc], [acc, acc], [1, 1], acc, std, acc, 10000, 10000, "fc2", 1, 0, "f", null);

    [Fact]
    public void TheNotesSayWhereAMethodDoesNotBeatItsBaseline()
    {
        // Hand-made rows: POT below LSQ at 4 bits, POST above POT at 4 bits, BWRF helping more at 3 bits than at 2.
        var rows = new[]
        {
            Row("LSQ", 4, false, 0.85), Row("POT", 4, false, 0.80), Row("POST", 4, false, 0.86),
            Row("LSQ + BWRF", 4, true, 0.851) with { Weights = "uniform:4" },
            Row("LSQ", 3, false, 0.82), Row("LSQ + BWRF", 3, true, 0.84) with { Weights = "uniform:3" },
            Row("LSQ", 2, false, 0.70), Row("LSQ + BWRF", 2, true, 0.69) with { Weights = "uniform:2" },
        };
        var notes = SeedSuite.Notes(rows).ToList();
        Assert.Contains(notes, n => n.StartsWith("- POT at W4A4 does not beat LSQ (80.00% vs 85.00%, -5.00 points)"));
        Assert.DoesNotContain(notes, n => n.StartsWith("- POST at W4A4 does not beat LSQ"));
        Assert.Contains(notes, n => n.Contains("Measured at W4A4: POST at W4A4 beats POT (86.00% vs 80.00%, +6.00 points)."));
        Assert.Contains(notes, n => n.Contains("LSQ + BWRF at W2A2 does not beat its plain QAT row (69.00% vs 70.00%, -1.00 points)"));
        Assert.Contains(notes, n => n.Contains("LSQ + BWRF at W4A4 beats its plain QAT row (85.10% vs 85.00%, +0.10 points, within noise"));
        Assert.Contains(notes, n => n.Contains("largest at W3A3 (not at 2 bits: the expectation does not hold in this run)"));
        // Both seeds put POST a point above LSQ although each row's seed std is larger: the paired difference is resolved.
        var paired = new[]
        {
            Row("LSQ", 4, false, 0.80) with { Accuracies = [0.79, 0.81], AccuracyStd = 0.0141 },
            Row("POST", 4, false, 0.81) with { Accuracies = [0.80, 0.82], AccuracyStd = 0.0141 },
            Row("POT", 4, false, 0.80) with { Accuracies = [0.81, 0.79], AccuracyStd = 0.0141 },
            Row("LSQ + BWRF", 4, true, 0.81) with { Weights = "uniform:4", Accuracies = [0.80, 0.82], AccuracyStd = 0.0141 },
        };
        var pairedNotes = SeedSuite.Notes(paired).ToList();
        Assert.Contains(pairedNotes, n => n.Contains("POST at W4A4 beats POT (81.00% vs 80.00%, +1.00 points, within noise (±2.83))"));
        Assert.Contains(pairedNotes, n => n.Contains("LSQ + BWRF at W4A4 beats its plain QAT row (81.00% vs 80.00%, +1.00 points)."));
        Assert.Contains(pairedNotes, n => n.Contains("POT at W4A4 does not beat LSQ (80.00% vs 80.00%, +0.00 points, within noise (±2.83))"));
        // A cost above blocks + 2 is reported.
        var slow = rows.Append(Row("POT + BWRF", 4, true, 0.8) with { Weights = "pot:4", BwrfCostRatio = 6.1, BwrfCostBound = 5 });
        Assert.Contains(SeedSuite.Notes(slow.ToList()), n => n.Contains("6.10x a plain step, above the bound of 5x"));
    }
}

/// <summary>Bad options of the seeds suite: one line naming the value, and no file written.</summary>
public class SeedSuiteCliTests
{
    [Theory]
    [InlineData("--suite seeds --seeds 0", "at least 2 seeds")]
    [InlineData("--suite seeds --seeds 0,0", "repeats a seed")]
    [InlineData("--suite seeds --seeds 0,x", "'x' is not a seed")]
    [InlineData("--suite seeds --qat-epochs 0", "--qat-epochs 0 is out of range")]
    [InlineData("--suite seeds --from somewhere", "takes no --from")]
    [InlineData("--suite ptq --resume", "--resume is an option of --suite seeds")]
    [InlineData("--suite seeds --model mlp:784-x-10", "'x'")]
    public void BadSeedsOptionsAreOneLineAndWriteNothing(string args, string fragment)
    {
        var tmp = CliRunner.TempDir("seeds-bad");
        var (exit, _, err) = CliRunner.Run(["experiments", .. args.Split(' '), "--quick", "--data", FashionSubset.Path, "--md", Path.Combine(tmp, "r.md"), "--json", Path.Combine(tmp, "r.json")]);
        CliErrorTests.AssertOneLineError(exit, err, fragment);
        Assert.Empty(Directory.GetFileSystemEntries(tmp));
    }
}
