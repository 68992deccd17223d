using QuantHdl.Artifacts;
using QuantHdl.Engine.Data;
using QuantHdl.Flows;
using QuantHdl.Compiler.Ir;
using QuantHdl.Models;
using QuantHdl.Quantization;
using QuantHdl.Engine.Training;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Flow;

/// <summary>A CNN through train -> qat -> compile (no RTL) -> simulate, from the library.</summary>
public class CnnPipelineTests(CnnPipelineFixture fx) : IClassFixture<CnnPipelineFixture>
{
    [Fact]
    public void GoldenSimulatorAgreesWithTheFakeQuantCnn()
    {
        var rep = SimulateFlow.Simulate(fx.BuildDir, fx.Data, 1000, new SilentReporter());
        Assert.Equal(1000, rep.Samples);
        Assert.True(rep.FakeQuantAccuracy > 0.70, $"fake-quant accuracy {rep.FakeQuantAccuracy:P2} is too low for the test to mean anything");
        Assert.InRange(Math.Abs(rep.AccuracyDeltaPoints), 0, 0.3);
        Assert.True(rep.IdenticalShare >= 0.99, $"only {rep.IdenticalShare:P2} identical predictions");
        // simulate's fake-quant run is the one qat measured: the same model on the same 1,000 images.
        Assert.Equal(Checkpoint.Read(fx.QatDir).Info.TestAccuracy, rep.FakeQuantAccuracy);
    }

    [Fact]
    public void TheIrHoldsConvsAndPoolsWithTheirShapesAndNoReluNodes()
    {
        var g = IrJson.Load(Path.Combine(fx.BuildDir, CompileFlow.IrFile));
        Assert.Equal(["input", "conv1", "pool1", "conv2", "pool2", "fc1"], g.Nodes.Select(n => n.Name));
        // By hand: 28 - 5 + 1 = 24, /2 = 12, 12 - 5 + 1 = 8, /2 = 4.
        var c1 = Assert.IsType<ConvOp>(g.Node("conv1").Op);
        Assert.Equal((28, 28, 1, 5, 24, 4), (c1.InH, c1.InW, c1.InC, c1.K, c1.OutH, c1.OutC));
        Assert.Equal(25, c1.Mvu.In);
        Assert.Equal(new MaxPoolOp(24, 24, 4, 2), g.Node("pool1").Op);
        Assert.Equal(12 * 12 * 4, g.Node("pool1").OutSize);
        var c2 = Assert.IsType<ConvOp>(g.Node("conv2").Op);
        Assert.Equal((12, 12, 4, 5, 8, 8), (c2.InH, c2.InW, c2.InC, c2.K, c2.OutH, c2.OutC));
        Assert.Equal(100, c2.Mvu.In);
        Assert.Equal(new MaxPoolOp(8, 8, 8, 2), g.Node("pool2").Op);
        var fc = Assert.IsType<DenseOp>(g.Node("fc1").Op);
        Assert.Equal((128, 10), (fc.In, fc.Out));
        Assert.Equal(IntType.S(16), g.Node("fc1").OutType);
        foreach (var n in new[] { "conv1", "pool1", "conv2", "pool2" }) Assert.Equal(IntType.U(4), g.Node(n).OutType);
        Assert.Equal(WeightCode.Post, c1.Mvu.Weight.Code);
        Assert.Equal(10, g.Classes);
    }

    [Fact]
    public void TheVectorsAreTheTestImagesInIdxByteOrder()
    {
        // One channel: the (y, x, c) stream order is the IDX row-major order.
        var test = IdxDataset.Load(fx.Data, train: false);
        Assert.Equal(50, fx.Inputs.Length);
        for (int s = 0; s < fx.Inputs.Length; s++)
        {
            Assert.Equal(784, fx.Inputs[s].Length);
            for (int i = 0; i < 784; i++) Assert.Equal(test.Images[s * 784 + i], fx.Inputs[s][i]);
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameCheckpointsAndTheSameIr()
    {
        var again = CliRunner.TempDir("cnn-determinism");
        CnnPipelineFixture.Run(again, CnnPipelineFixture.Spec);
        foreach (var f in new[] { Path.Combine("fp", Checkpoint.DataFile), Path.Combine("fp", Checkpoint.InfoFile), Path.Combine("qat", Checkpoint.DataFile), Path.Combine("build", CompileFlow.IrFile) })
            Assert.True(File.ReadAllBytes(Path.Combine(fx.Root, f)).SequenceEqual(File.ReadAllBytes(Path.Combine(again, f))), $"{f} differs between two runs with the same seed");
    }

    [Fact]
    public void TheFloatCheckpointRebuildsTheTrainedGraph()
    {
        var (info, g) = ModelStore.LoadFloatGraph(fx.FloatDir);
        Assert.Equal(CnnPipelineFixture.Spec, info.Model);
        Assert.Equal("1x28x28", info.Input);
        Assert.True(g.TakesImages);
        Assert.Equal(info.TestAccuracy, Trainer.Evaluate(g, IdxDataset.Load(fx.Data, train: false), asImages: true));
    }

    [Fact]
    public void BatchNormStatisticsAreSavedAndFoldedBeforeQat()
    {
        var (info, g) = ModelStore.LoadFloatGraph(fx.BnFloatDir);
        var names = info.Tensors.Select(t => t.Name).ToArray();
        Assert.Contains("bn1.running_mean", names);
        Assert.Contains("bn1.running_var", names);
        var bn = (QuantHdl.Engine.Nn.BatchNorm2d)g.Nodes.Single(n => n.Node.Name == "bn1").Module;
        // Trained statistics, not the initial 0 and 1: the loader restored the buffers.
        Assert.Contains(bn.RunningMean.Data, v => v != 0);
        Assert.Contains(bn.RunningVar.Data, v => v != 1);
        // Evaluation uses the running statistics, so a lost buffer would change the accuracy.
        Assert.Equal(info.TestAccuracy, Trainer.Evaluate(g, IdxDataset.Load(fx.Data, train: false), asImages: true));

        var (qInfo, q) = ModelStore.LoadQat(fx.BnQatDir);
        Assert.Equal(CnnPipelineFixture.BnSpec, qInfo.Model);
        Assert.DoesNotContain(qInfo.Tensors, t => t.Name.StartsWith("bn", StringComparison.Ordinal));
        var qg = Assert.IsType<QuantGraph>(q);
        Assert.DoesNotContain(qg.Nodes, n => n.Node.Layer is BatchNormSpec);
        Assert.True(qInfo.TestAccuracy > 0.6, $"QAT of the folded graph reached only {qInfo.TestAccuracy:P2}");

        var build = Path.Combine(CliRunner.TempDir("bn-build"), "build");
        var ir = CompileFlow.Compile(fx.BnQatDir, build, new CompileOptions { DataDir = fx.Data, Vectors = 10 }, new SilentReporter());
        Assert.Equal(["input", "conv1", "pool1", "conv2", "pool2", "fc1"], ir.Nodes.Select(n => n.Name));
        var rep = SimulateFlow.Simulate(build, null, 1000, new SilentReporter());
        Assert.True(rep.IdenticalShare >= 0.99, $"only {rep.IdenticalShare:P2} identical predictions");
        Assert.InRange(Math.Abs(rep.AccuracyDeltaPoints), 0, 0.3);
    }

    [Fact]
    public void TheTrainedCnnIsBitExactUnderVerilatorThroughTheCli()
    {
        // README's commands on the fixture's QAT checkpoint: compile with the RTL back end, then verify
        // with and without stalls; verify exits 0 only if every integer of every layer matched.
        var build = Path.Combine(CliRunner.TempDir("cnn-verify"), "build");
        var (exit, _, err) = CliRunner.Run("compile", "--from", fx.QatDir, "--out", build, "--data", fx.Data, "--vectors", "20");
        Assert.True(exit == 0, err);
        (exit, _, err) = CliRunner.Run("verify", "--build", build, "--samples", "20");
        Assert.True(exit == 0, err);
        var v = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(build, VerifyFlow.ReportFile)))!;
        Assert.True((bool)v["passed"]!);
        Assert.Equal(20, (int)v["bit_exact"]!);
        Assert.Equal(20, (int)v["stall_run"]!["result"]!["bit_exact"]!);
        // conv1 on 28x28: 24*24 pixels x 25/SIMD x 4/PE; the measured interval is within 10% of it.
        Assert.Equal("conv1", (string)v["analytic"]!["bottleneck"]!);
        Assert.InRange((double)v["analytic"]!["measured_over_analytic"]!, 0.9, 1.1);
    }

    [Theory]
    [InlineData("conv1=2x4", "layer conv1: folding 2x4 does not fit; SIMD must divide the 1 input channels and PE the 4 output channels")]
    [InlineData("conv2=3x8", "layer conv2: folding 3x8 does not fit; SIMD must divide the 4 input channels and PE the 8 output channels")]
    [InlineData("pool1=1x1", "folding override names 'pool1', which is not a dense or conv layer")]
    public void AConvFoldThatDoesNotFitIsOneLineAndLeavesNoBuild(string fold, string expected)
    {
        var build = Path.Combine(CliRunner.TempDir("cnn-fold"), "build");
        var (exit, _, err) = CliRunner.Run("compile", "--from", fx.QatDir, "--out", build, "--data", fx.Data, "--fold", fold);
        Assert.Equal(1, exit);
        Assert.Contains(expected, err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(Directory.Exists(build));
    }
}
