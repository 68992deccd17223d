using System.Text.Json.Nodes;
using QuantHdl.Compiler.Ir;
using QuantHdl.Hardware;
using QuantHdl.Hardware.FoldSearch;

namespace QuantHdl.Tests.Flow;

/// <summary>The folding goals of compile and the report command, through the real CLI on the fixture's QAT checkpoint.</summary>
public partial class PipelineTests
{
    [Fact]
    public void CompileForAFrameRateWritesTheChoiceIntoIrJsonAndTheCurveIntoFoldingJson()
    {
        var dir = Path.Combine(CliRunner.TempDir("fold-fps"), "build");
        // 100 MHz / 200,000 fps: at most 500 cycles per frame.
        var (exit, stdout, stderr) = CliRunner.Run("compile", "--from", fx.QatDir, "--out", dir, "--no-emit", "--data", fx.Data, "--target-fps", "200000", "--fmax", "100");
        Assert.True(exit == 0, stderr);
        Assert.Contains("folding by --target-fps 200000 at --fmax 100 MHz", stdout);
        var g = IrJson.Load(Path.Combine(dir, "ir.json"));
        Assert.True(CycleModel.InitiationInterval(g).Cycles <= 500);
        var curve = FoldingCurve.Load(Path.Combine(dir, "folding.json"));
        Assert.Equal(500, curve.Goal.MaxInterval);
        Assert.True(curve.ChosenIsOnCurve);
        foreach (var n in g.Nodes.Where(n => n.Op is DenseOp))
            Assert.Equal(curve.Chosen.Folds[n.Name], ((DenseOp)n.Op).Fold);
        // The cheapest meeting 500 cycles: no Pareto point of at most 500 cycles is cheaper.
        Assert.Equal(curve.Points.Where(p => p.Interval <= 500).Min(p => p.Lut), curve.Chosen.Lut);
    }

    [Theory]
    [InlineData("--target-fps|1e9|--fmax|100", "the fastest legal folding reaches")]
    [InlineData("--lut-budget|10", "--lut-budget 10 is below the cheapest legal folding")]
    [InlineData("--target-fps|1000", "--target-fps needs --fmax")]
    [InlineData("--target-fps|1000|--fmax|100|--lut-budget|5000", "contradict")]
    [InlineData("--lut-budget|5000|--max-macs|8", "--max-macs is the default heuristic's budget")]
    [InlineData("--target-fps|-3|--fmax|100", "--target-fps -3 must be a positive frame rate")]
    public void AnImpossibleOrContradictoryFoldingGoalIsOneLineAndWritesNothing(string options, string fragment)
    {
        var dir = Path.Combine(CliRunner.TempDir("fold-bad"), "build");
        var (exit, _, stderr) = CliRunner.Run(["compile", "--from", fx.QatDir, "--out", dir, "--no-emit", "--data", fx.Data, .. options.Split('|')]);
        Assert.Equal(1, exit);
        Assert.Contains(fragment, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any());
    }

    [Fact]
    public void ReportWritesItsThreeFilesReplacesThemOnARerunAndRefusesAForeignOne()
    {
        var dir = Path.Combine(CliRunner.TempDir("report"), "build");
        Assert.Equal(0, CliRunner.Run("compile", "--from", fx.QatDir, "--out", dir, "--no-emit", "--data", fx.Data).Exit);
        for (int run = 0; run < 2; run++)
        {
            var (exit, stdout, stderr) = CliRunner.Run("report", "--build", dir);
            Assert.True(exit == 0, stderr);
            Assert.Contains("report.html", stdout);
        }
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "report.json")))!;
        Assert.Equal(IrJson.Load(Path.Combine(dir, "ir.json")).Nodes.Length, json["layers"]!.AsArray().Count);
        Assert.Equal("max-macs", (string)json["folding"]!["goal"]!["kind"]!);
        File.WriteAllText(Path.Combine(dir, "report.html"), "<html>mine</html>");
        var refused = CliRunner.Run("report", "--build", dir);
        Assert.Equal(1, refused.Exit);
        Assert.Contains("was not written by 'quanthdl report'", refused.Err);
        Assert.Equal("<html>mine</html>", File.ReadAllText(Path.Combine(dir, "report.html")));
    }
}
