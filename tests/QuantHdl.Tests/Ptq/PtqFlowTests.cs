using QuantHdl.Arithmetic;
using QuantHdl.Artifacts;
using QuantHdl.Compiler.Freeze;
using QuantHdl.Compiler.Ir;
using QuantHdl.Flows;
using QuantHdl.Ptq;
using QuantHdl.Tests.Flow;

namespace QuantHdl.Tests.Ptq;

/// <summary>
/// The ptq stage end to end on the tiny MLP: its checkpoint freezes to exactly the codes PTQ chose, runs in
/// the golden simulator like a QAT build, starts QAT, and bad input leaves nothing behind.
/// </summary>
public class PtqFlowTests
{
    private static PtqOptions Options => new(WeightSpec.Parse("uniform:4"), ActivationSpec.Parse("uniform:8")) { Calibration = 256, AdaRoundIterations = 200 };

    private static readonly Lazy<string> PtqDir = new(() =>
    {
        var dir = Path.Combine(CliRunner.TempDir("ptq"), "ptq");
        PtqFlow.Run(TinyArtifacts.Float, Options, dir, FashionSubset.Path, new SilentReporter());
        return dir;
    });

    [Fact]
    public void TheCheckpointFreezesToThePtqCodesAndSimulatesLikeAQatBuild()
    {
        var (fpInfo, fp) = PtqFlow.LoadFloat(TinyArtifacts.Float);
        var train = global::QuantHdl.Engine.Data.IdxDataset.Load(FashionSubset.Path, train: true);
        var direct = PtqPipeline.Run(fp, PtqFlow.Calibration(train, Options.Calibration, false), Options);
        var (info, model) = ModelStore.LoadQat(PtqDir.Value);
        Assert.Equal(Options.Summary(), info.Ptq);
        var ir = Freezer.Freeze(FakeQuantSource.From(model, "q", info.LogitStep!.Value));
        int away = 0;
        foreach (var name in new[] { "fc1", "fc2" })
        {
            var op = (DenseOp)ir.Nodes.Single(n => n.Name == name).Op;
            var codes = PtqPipeline.Codes(direct.Levels[name], Options.Weights);
            Assert.Equal(codes, op.Weights);
            // AdaRound moved some weights off round-to-nearest of the float weights, and those reached the IR too.
            var fpW = ((global::QuantHdl.Engine.Nn.Linear)fp.Nodes.Single(n => n.Node.Name == name).Module).Weight.Data;
            var scale = ((global::QuantHdl.Quantization.QuantLinear)model.Nodes.Single(n => n.Node.Name == name).Module).Quantizer.Scale.Data;
            away += fpW.Where((w, k) => UniformCodec.Code(w, scale[k / op.In], -8, 7) != op.Weights[k]).Count();
        }
        Assert.True(away > 0, "AdaRound rounded no weight away from nearest");

        var build = Path.Combine(CliRunner.TempDir("ptq-build"), "build");
        CompileFlow.Compile(PtqDir.Value, build, new CompileOptions { DataDir = FashionSubset.Path, Vectors = 4 }, new SilentReporter());
        var sim = SimulateFlow.Simulate(build, FashionSubset.Path, 300, new SilentReporter());
        Assert.True(sim.IdenticalShare >= 0.98, $"golden and fake-quant agree on {sim.IdenticalShare:P1}");
    }

    [Fact]
    public void QatStartsFromAPtqCheckpointWithItsWeightsAndSteps()
    {
        var outDir = Path.Combine(CliRunner.TempDir("ptq-qat"), "qat");
        var o = new TrainOptions(Epochs: 0, Seed: 1, DataDir: FashionSubset.Path);
        var info = TrainFlow.Qat(PtqDir.Value, WeightSpec.Parse("uniform:4"), ActivationSpec.Parse("uniform:8"), o, outDir, new SilentReporter());
        Assert.Null(info.Ptq);
        // No epochs: the QAT model is the PTQ model, tensor for tensor.
        Assert.Equal(Checkpoint.Read(PtqDir.Value).Data, Checkpoint.Read(outDir).Data);
        var e = Assert.Throws<ArgumentException>(() => TrainFlow.Qat(PtqDir.Value, WeightSpec.Parse("post:4"), ActivationSpec.Parse("uniform:8"), o, outDir + "2", new SilentReporter()));
        Assert.Contains("--weights uniform:4 --acts uniform:8", e.Message);
        Assert.False(Directory.Exists(outDir + "2"));
    }

    [Theory]
    [InlineData("qat", "uniform:8", "uniform:8", "256", "already quantized")]
    [InlineData("fp", "uniform:8", "uniform:8", "0", "--calib 0")]
    [InlineData("fp", "uniform:8", "uniform:8", "6001", "more than the 6000 training images")]
    [InlineData("fp", "uniform:8", "uniform:1", "256", "PTQ takes 2 to 16 bits")]
    [InlineData("fp", "uniform:8", "uniform:17", "256", "uniform:17")]
    [InlineData("fp", "uniform:1", "uniform:8", "256", "uniform:1")]
    public void BadInputIsOneLineAndLeavesNoOutput(string from, string weights, string acts, string calib, string fragment)
    {
        var tmp = CliRunner.TempDir("ptq-bad");
        var outDir = Path.Combine(tmp, "out");
        var src = from == "qat" ? TinyArtifacts.Qat : TinyArtifacts.Float;
        var (exit, _, err) = CliRunner.Run("ptq", "--from", src, "--weights", weights, "--acts", acts, "--calib", calib, "--data", FashionSubset.Path, "--out", outDir);
        CliErrorTests.AssertOneLineError(exit, err, fragment);
        Assert.Empty(Directory.GetFileSystemEntries(tmp));
    }
}
