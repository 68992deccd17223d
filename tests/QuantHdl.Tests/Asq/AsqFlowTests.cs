using System.Text.Json;
using QuantHdl.Arithmetic;
using QuantHdl.Artifacts;
using QuantHdl.Flows;
using QuantHdl.Models;
using QuantHdl.Tests.Flow;
using QuantHdl.Verification.Verilator;

namespace QuantHdl.Tests.Asq;

/// <summary>A tiny MLP through qat --acts asq:4, compile, simulate and verify; ASQ with every weight code.</summary>
public sealed class AsqFlowFixture
{
    public AsqFlowFixture()
    {
        Root = CliRunner.TempDir("asq");
        var o = new TrainOptions(Epochs: 1, Seed: 2, DataDir: FashionSubset.Path);
        TrainFlow.TrainFloat(MlpSpec.Parse("mlp:784-24-12-10"), o, FloatDir, new SilentReporter());
        QatInfo = TrainFlow.Qat(FloatDir, WeightSpec.Parse("post:4"), ActivationSpec.Parse("asq:4"), o with { Lr = 5e-4, AsqCalibrationImages = 256 }, QatDir, new SilentReporter());
        CompileFlow.Compile(QatDir, BuildDir, new CompileOptions { DataDir = FashionSubset.Path, Vectors = 20 }, CompileLines, VerifyFlow.Emit);
    }

    public string Root { get; }
    public string FloatDir => Path.Combine(Root, "fp");
    public string QatDir => Path.Combine(Root, "qat");
    public string BuildDir => Path.Combine(Root, "build");
    public CheckpointInfo QatInfo { get; }
    public SilentReporter CompileLines { get; } = new();
}

public class AsqFlowTests(AsqFlowFixture fx) : IClassFixture<AsqFlowFixture>
{
    [Fact]
    public void TheCheckpointStoresTheCalibrationAndTheStaticBetas()
    {
        Assert.Equal("asq:4", fx.QatInfo.Activations);
        Assert.Equal(256, fx.QatInfo.Asq!.CalibrationImages);
        Assert.InRange(fx.QatInfo.Asq.StaticTestAccuracy, 0.5, 1.0);
        Assert.Contains(fx.QatInfo.Tensors, t => t.Name == "relu1.static_beta");
        Assert.Contains(fx.QatInfo.Tensors, t => t.Name == "relu2.adapter.fc2.weight"); // 12 channels: two layers
        var (_, model) = ModelStore.LoadQat(fx.QatDir);
        Assert.All(model.AsqQuantizers(), q => Assert.True(q.Quantizer.Static && q.Quantizer.StaticBeta.Data[0] > 0));
    }

    [Fact]
    public void CompileSaysInOneLineThatItDeploysTheStaticForm()
    {
        var line = Assert.Single(fx.CompileLines.Lines, l => l.Contains("static form"));
        Assert.StartsWith("asq: deploying the static form, beta folded into the activation step (docs/asq.md): relu1 beta ", line);
        Assert.Contains(", relu2 beta ", line);
        Assert.EndsWith("(calibrated on 256 training images)", line);
    }

    [Fact]
    public void SimulateReportsDynamicStaticAndGoldenAndGoldenEqualsStaticFakeQuant()
    {
        var lines = new SilentReporter();
        var rep = SimulateFlow.Simulate(fx.BuildDir, FashionSubset.Path, 1000, lines);
        Assert.Equal(1000, rep.Samples);
        Assert.True(rep.FakeQuantAccuracy > 0.6, $"static fake-quant accuracy {rep.FakeQuantAccuracy:P2} is too low for the test to mean anything");
        Assert.NotNull(rep.DynamicAsqAccuracy);
        Assert.InRange(rep.DynamicAsqAccuracy!.Value, rep.FakeQuantAccuracy - 0.05, rep.FakeQuantAccuracy + 0.05);
        Assert.Equal(rep.Samples, rep.IdenticalPredictions); // the integer model is the static fake-quant model
        Assert.Contains(lines.Lines, l => l.StartsWith($"asq on 1000 test images: dynamic fake-quant {rep.DynamicAsqAccuracy:P2}, static fake-quant {rep.FakeQuantAccuracy:P2}, static golden {rep.IntegerAccuracy:P2}"));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(fx.BuildDir, SimulateFlow.ReportFile)));
        Assert.Equal(rep.DynamicAsqAccuracy.Value, json.RootElement.GetProperty("dynamic_asq_accuracy").GetDouble());
    }

    [Fact]
    public void TheStaticAsqRtlIsBitExactWithAndWithoutStalls()
    {
        var report = VerifyFlow.Verify(fx.BuildDir, 20, new VerifyOptions { StallSeed = 3 }, new SilentReporter());
        report.EnsurePassed();
        Assert.Equal(20, report.NoStall.BitExact);
        Assert.Equal(20, report.Stall!.BitExact);
        Assert.Equal(0, report.NoStall.Mismatches + report.Stall.Mismatches);
    }

    [Theory]
    [InlineData("uniform:4")]
    [InlineData("pot:4")]
    public void AsqCombinesWithUniformAndPotWeights(string weights)
    {
        var root = CliRunner.TempDir("asq-" + weights.Replace(':', '-'));
        var o = new TrainOptions(Epochs: 0, Seed: 1, DataDir: FashionSubset.Path) { AsqCalibrationImages = 64 };
        var qat = Path.Combine(root, "qat");
        var info = TrainFlow.Qat(fx.FloatDir, WeightSpec.Parse(weights), ActivationSpec.Parse("asq:3"), o, qat, new SilentReporter());
        Assert.Equal(64, info.Asq!.CalibrationImages);
        var build = Path.Combine(root, "build");
        CompileFlow.Compile(qat, build, new CompileOptions { DataDir = FashionSubset.Path, Vectors = 4, MaxMacsPerCycle = 16 }, new SilentReporter());
        var rep = SimulateFlow.Simulate(build, FashionSubset.Path, 500, new SilentReporter());
        Assert.True(rep.IdenticalShare >= 0.99, $"{weights}: only {rep.IdenticalShare:P2} identical predictions");
        Assert.NotNull(rep.DynamicAsqAccuracy);
    }

    [Theory]
    [InlineData("--acts", "asq:0", "activation bits 0 in 'asq:0' are out of range; use 1..16")]
    [InlineData("--acts", "asq:17", "activation bits 17 in 'asq:17' are out of range; use 1..16")]
    [InlineData("--asq-calib", "0", "--asq-calib 0 is out of range 1..60000")]
    public void QatRefusesBadAsqOptionsInOneLineAndWritesNothing(string option, string value, string message)
    {
        var tmp = CliRunner.TempDir("asq-bad");
        var outDir = Path.Combine(tmp, "q");
        string[] acts = option == "--acts" ? [] : ["--acts", "asq:4"];
        var (exit, _, err) = CliRunner.Run(["qat", "--from", fx.FloatDir, "--epochs", "0", option, value, .. acts, "--data", FashionSubset.Path, "--out", outDir]);
        CliErrorTests.AssertOneLineError(exit, err, message);
        Assert.False(Directory.Exists(outDir));
        Assert.Empty(Directory.GetFileSystemEntries(tmp));
    }

    [Fact]
    public void PtqRefusesAsqActivations()
    {
        var e = Assert.Throws<ArgumentException>(() => new QuantHdl.Ptq.PtqOptions(WeightSpec.Parse("uniform:4"), ActivationSpec.Parse("asq:4")).Check());
        Assert.Equal("--acts asq:4: ASQ's adapter is trained, so PTQ takes uniform activations; use 'quanthdl qat --acts asq:4'", e.Message);
    }
}
