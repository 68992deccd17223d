using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Ir;
using QuantHdl.Flows;
using QuantHdl.Models;
using QuantHdl.Verification.Verilator;

namespace QuantHdl.Tests.Flow;

/// <summary>A float mlp:784-24-12-10 (1 epoch), trained once, that the width and F tests quantize.</summary>
public sealed class SmallFloatMlpFixture
{
    public SmallFloatMlpFixture()
    {
        Root = CliRunner.TempDir("widths");
        TrainFlow.TrainFloat(MlpSpec.Parse("mlp:784-24-12-10"), new TrainOptions(Epochs: 1, Seed: 4, DataDir: FashionSubset.Path), FloatDir, new SilentReporter());
    }

    public string Root { get; }
    public string FloatDir => Path.Combine(Root, "fp");
}

/// <summary>
/// Trained QAT checkpoints through compile and simulate: POT and POST at every width from 2 bits, and the
/// x/sqrt 2 table's fraction bits F at 6, 8 and 12 (with Verilator), each against the fake-quant model.
/// </summary>
public class WidthAndFractionFlowTests(SmallFloatMlpFixture fx) : IClassFixture<SmallFloatMlpFixture>
{
    private (string Qat, string Build) QatAndCompile(string weights, int fracBits, bool emit)
    {
        var root = CliRunner.TempDir($"{weights.Replace(':', '-')}-f{fracBits}");
        var qat = Path.Combine(root, "qat");
        var build = Path.Combine(root, "build");
        var o = new TrainOptions(Epochs: 1, Seed: 4, Lr: 5e-4, DataDir: FashionSubset.Path);
        TrainFlow.Qat(fx.FloatDir, WeightSpec.Parse(weights), ActivationSpec.Parse("uniform:4"), o, qat, new SilentReporter(), deployment: new DeploymentSettings(fracBits, DeploymentSettings.DefaultMultiplierBits));
        CompileFlow.Compile(qat, build, new CompileOptions { DataDir = FashionSubset.Path, Vectors = 12 }, new SilentReporter(), emit ? VerifyFlow.Emit : null);
        return (qat, build);
    }

    private static void AssertGoldenAgrees(string build, string what)
    {
        var rep = SimulateFlow.Simulate(build, FashionSubset.Path, 1000, new SilentReporter());
        Assert.True(rep.FakeQuantAccuracy > 0.5, $"{what}: fake-quant accuracy {rep.FakeQuantAccuracy:P2} is too low for the test to mean anything");
        Assert.InRange(Math.Abs(rep.AccuracyDeltaPoints), 0, 0.3);
        Assert.True(rep.IdenticalShare >= 0.99, $"{what}: only {rep.IdenticalShare:P2} identical predictions");
    }

    [Theory]
    [InlineData("post:2")]
    [InlineData("post:3")]
    [InlineData("post:5")]
    [InlineData("post:6")]
    [InlineData("pot:2")]
    [InlineData("pot:5")]
    public void EveryPowerWidthFreezesToTheIntegerModelTheFakeQuantModelPredicts(string weights)
    {
        var (_, build) = QatAndCompile(weights, DeploymentSettings.DefaultSqrtFracBits, emit: false);
        var ir = IrJson.Load(Path.Combine(build, CompileFlow.IrFile));
        var spec = WeightSpec.Parse(weights);
        foreach (var d in ir.Nodes.Select(n => n.Op).OfType<DenseOp>())
        {
            Assert.Equal(spec, d.Weight);
            Assert.All(d.Weights, c => Assert.True(WeightArithmetic.IsValidCode(c, spec), $"{weights}: code {c}"));
        }
        AssertGoldenAgrees(build, weights);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(8)]
    [InlineData(12)]
    public void AtFractionBitsFTheGoldenModelAgreesAndTheRtlIsBitExact(int fracBits)
    {
        var (_, build) = QatAndCompile("post:4", fracBits, emit: true);
        var ir = IrJson.Load(Path.Combine(build, CompileFlow.IrFile));
        Assert.All(ir.Nodes.Select(n => n.Op).OfType<DenseOp>(), d => Assert.Equal(fracBits, d.SqrtFracBits));
        AssertGoldenAgrees(build, $"F = {fracBits}");
        var report = VerifyFlow.Verify(build, 12, new VerifyOptions { StallSeed = 11 }, new SilentReporter());
        report.EnsurePassed();
        Assert.Equal(12, report.NoStall.BitExact);
        Assert.Equal(12, report.Stall!.BitExact);
        Assert.Equal(0, report.NoStall.Mismatches + report.Stall.Mismatches);
    }
}
