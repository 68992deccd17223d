using System.Text.Json.Nodes;
using QuantHdl.Arithmetic;
using QuantHdl.Artifacts;
using QuantHdl.Compiler.Ir;
using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;
using QuantHdl.Flows;
using QuantHdl.Quantization;

namespace QuantHdl.Tests.Flow;

/// <summary>
/// F and MB are chosen at QAT (<c>qat --sqrt-frac-bits --multiplier-bits</c>), saved in the QAT checkpoint,
/// and compile freezes with them, so the bias QAT trained on is the integer bias the hardware adds.
/// </summary>
public class DeploymentSettingsTests
{
    private static readonly Lazy<(string Root, string Qat, string Build)> F10 = new(() =>
    {
        var root = CliRunner.TempDir("f10");
        var fp = Path.Combine(root, "fp");
        var qat = Path.Combine(root, "qat");
        var build = Path.Combine(root, "build");
        Run("train", "--model", "mlp:784-16-12-10", "--epochs", "0", "--seed", "3", "--data", FashionSubset.Path, "--out", fp);
        Run("qat", "--from", fp, "--weights", "post:4", "--acts", "uniform:4", "--epochs", "0", "--sqrt-frac-bits", "10", "--multiplier-bits", "20",
            "--data", FashionSubset.Path, "--out", qat);
        Run("compile", "--from", qat, "--no-emit", "--data", FashionSubset.Path, "--out", build);
        return (root, qat, build);
    });

    private static void Run(params string[] args)
    {
        var (exit, _, err) = CliRunner.Run(args);
        Assert.True(exit == 0, $"quanthdl {string.Join(" ", args)}: {err}");
    }

    [Fact]
    public void QatChoosesFAndMbAndCompileFreezesWithThem()
    {
        var (_, qat, build) = F10.Value;
        var (info, _) = Checkpoint.Read(qat);
        Assert.Equal(new DeploymentSettings(10, 20), info.Deployment);
        var ir = IrJson.Load(Path.Combine(build, CompileFlow.IrFile));
        var dense = ir.Nodes.Select(n => n.Op).OfType<DenseOp>().ToArray();
        Assert.Equal(3, dense.Length);
        Assert.All(dense, d =>
        {
            Assert.Equal(WeightCode.Post, d.Weight.Code);
            Assert.Equal(10, d.SqrtFracBits);
            Assert.Equal(20, d.Rq.MultiplierBits);
        });
    }

    [Fact]
    public void FakeQuantBiasIsTheIrBiasTimesTheUnitOfTheTrainedF()
    {
        var (_, qat, build) = F10.Value;
        var ir = IrJson.Load(Path.Combine(build, CompileFlow.IrFile));
        var (_, model) = ModelStore.LoadQat(qat);
        var layers = SetInputSteps(model);
        Assert.Equal(3, layers.Length);
        int differsAtF8 = 0;
        foreach (var (name, layer) in layers)
        {
            Assert.Equal(10, layer.SqrtFracBits);
            var node = ir.Nodes.Single(n => n.Name == name);
            var d = (DenseOp)node.Op;
            double sx = layer.InputStep!.Value;
            // The input step is the IR's scale of the edge into the layer (1/255 for the pixels).
            Assert.Equal(ir.Nodes.Single(n => n.Name == node.Inputs[0]).OutScale, sx, 12);
            var fq = BiasGrid.Quantize(layer.Bias, layer.Quantizer, sx, layer.SqrtFracBits).Data;
            var fq8 = BiasGrid.Quantize(layer.Bias, layer.Quantizer, sx, 8).Data;
            for (int c = 0; c < d.Out; c++)
            {
                double unit = PostUnit(layer.Quantizer.Scale.Data[c], sx, fracBits: 10, bits: 4);
                double units = fq[c] / unit;
                // The IR integer exactly; off it only by the float32 rounding of the stored bias.
                Assert.Equal(d.Bias[c], Math.Round(units));
                Assert.True(Math.Abs(units - d.Bias[c]) <= Math.Max(1, Math.Abs(d.Bias[c])) * 1e-6, $"{name} channel {c}: {units} units");
                // The same check of a bias grid at F = 8 fails: its unit is 4 of F = 10's, so it lands on
                // multiples of 4 units, which the IR's integers are not.
                if (Math.Round(fq8[c] / unit) != d.Bias[c]) differsAtF8++;
            }
        }
        Assert.True(differsAtF8 > 0, "a bias grid at F = 8 would pass this test too; the test would not catch it");
    }

    [Fact]
    public void TheLogitLayersForwardAddsTheSameFakeQuantBias()
    {
        // The bias the training forward adds is the one checked above: with a zero input the logit
        // layer (no ReLU) outputs exactly its fake-quant bias.
        var (_, qat, _) = F10.Value;
        var (_, model) = ModelStore.LoadQat(qat);
        var (_, last) = SetInputSteps(model)[^1];
        Tensor y;
        using (Tensor.NoGrad()) y = last.Forward(Tensor.Zeros(1, last.InFeatures));
        var fq = BiasGrid.Quantize(last.Bias, last.Quantizer, last.InputStep!.Value, 10).Data;
        Assert.Equal(fq.AsSpan(0, last.OutFeatures).ToArray(), y.Data.AsSpan(0, last.OutFeatures).ToArray());
    }

    [Theory]
    [InlineData("--sqrt-frac-bits", "0", "--sqrt-frac-bits 0 is out of range 1..24")]
    [InlineData("--sqrt-frac-bits", "25", "--sqrt-frac-bits 25 is out of range 1..24")]
    [InlineData("--multiplier-bits", "0", "--multiplier-bits 0 is out of range 1..32")]
    [InlineData("--multiplier-bits", "33", "--multiplier-bits 33 is out of range 1..32")]
    public void QatRefusesSettingsOutOfRange(string option, string value, string fragment)
    {
        var tmp = CliRunner.TempDir("deploy");
        var outDir = Path.Combine(tmp, "q");
        var (exit, _, err) = CliRunner.Run("qat", "--from", TinyArtifacts.Float, "--epochs", "0", option, value, "--data", FashionSubset.Path, "--out", outDir);
        CliErrorTests.AssertOneLineError(exit, err, fragment);
        Assert.False(Directory.Exists(outDir));
        Assert.Empty(Directory.GetFileSystemEntries(tmp));
    }

    [Fact]
    public void CompileRefusesAnFThatDiffersFromTheCheckpoints()
    {
        var (root, qat, _) = F10.Value;
        var outDir = Path.Combine(root, "b8");
        var (exit, _, err) = CliRunner.Run("compile", "--from", qat, "--sqrt-frac-bits", "8", "--no-emit", "--data", FashionSubset.Path, "--out", outDir);
        CliErrorTests.AssertOneLineError(exit, err, "--sqrt-frac-bits 8 differs from F = 10");
        Assert.Contains("rerun qat with --sqrt-frac-bits 8", err);
        Assert.False(Directory.Exists(outDir));
        (exit, _, err) = CliRunner.Run("compile", "--from", qat, "--multiplier-bits", "16", "--no-emit", "--data", FashionSubset.Path, "--out", outDir);
        CliErrorTests.AssertOneLineError(exit, err, "--multiplier-bits 16 differs from MB = 20");
        Assert.False(Directory.Exists(outDir));
        // The value QAT used is accepted.
        Run("compile", "--from", qat, "--sqrt-frac-bits", "10", "--multiplier-bits", "20", "--no-emit", "--data", FashionSubset.Path, "--out", outDir);
    }

    [Fact]
    public void AQatCheckpointWithoutTheRecordReadsAsTheDefaults()
    {
        var dir = TinyArtifacts.CopyTo(TinyArtifacts.Qat, Path.Combine(CliRunner.TempDir("olddeploy"), "qat"));
        var path = Path.Combine(dir, Checkpoint.InfoFile);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.True(json.Remove("deployment"), "a new QAT checkpoint records its deployment settings");
        File.WriteAllText(path, json.ToJsonString());
        var (info, model) = ModelStore.LoadQat(dir);
        Assert.Null(info.Deployment);
        Assert.Equal(DeploymentSettings.Default, info.DeploymentOrDefault);
        Assert.All(SetInputSteps(model), l => Assert.Equal(8, l.Layer.SqrtFracBits));
        var g = CompileFlow.Compile(dir, Path.Combine(Path.GetDirectoryName(dir)!, "build"), new CompileOptions { DataDir = FashionSubset.Path, Vectors = 1 }, new SilentReporter());
        Assert.All(g.Nodes.Select(n => n.Op).OfType<DenseOp>(), d => Assert.Equal((8, 16), (d.SqrtFracBits, d.Rq.MultiplierBits)));
    }

    [Fact]
    public void ACheckpointWithAnFOutOfRangeIsRefusedByCompile()
    {
        var tmp = CliRunner.TempDir("baddeploy");
        var dir = TinyArtifacts.CopyTo(TinyArtifacts.Qat, Path.Combine(tmp, "qat"));
        var path = Path.Combine(dir, Checkpoint.InfoFile);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        json["deployment"]!["sqrtFracBits"] = 30;
        File.WriteAllText(path, json.ToJsonString());
        var outDir = Path.Combine(tmp, "build");
        var (exit, _, err) = CliRunner.Run("compile", "--from", dir, "--no-emit", "--data", FashionSubset.Path, "--out", outDir);
        CliErrorTests.AssertOneLineError(exit, err, "--sqrt-frac-bits 30 is out of range 1..24");
        Assert.Contains(dir, err);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void TheRangesAreTheArithmeticCores()
    {
        Assert.Equal((1, 24, 8), (DeploymentSettings.MinSqrtFracBits, DeploymentSettings.MaxSqrtFracBits, DeploymentSettings.DefaultSqrtFracBits));
        Assert.Equal((1, 32, 16), (DeploymentSettings.MinMultiplierBits, DeploymentSettings.MaxMultiplierBits, DeploymentSettings.DefaultMultiplierBits));
        Assert.Null(new DeploymentSettings(24, 32).Refusal());
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightArithmetic.SqrtHalfTable(1, 25));
        var e = Assert.Throws<ArgumentException>(() => new DeploymentSettings(25, 16).Check());
        Assert.Equal("--sqrt-frac-bits 25 is out of range 1..24; choose F in 1..24 (default 8)", e.Message);
    }

    /// <summary>
    /// docs/integer-semantics.md §3, written out here: a POST code of b bits has J = 2^(b-1) - 2,
    /// H = floor(J / 2), and accumulator unit alpha_c * s_x * 2^-(F + H).
    /// </summary>
    private static double PostUnit(double alpha, double sx, int fracBits, int bits)
    {
        int j = (1 << (bits - 1)) - 2;
        return alpha * sx * Math.Pow(2, -(fracBits + j / 2));
    }

    /// <summary>
    /// The dense layers of a fake-quant model, in order, after one eval forward pass, which sets each
    /// layer's input step as training does.
    /// </summary>
    private static (string Name, QuantLinear Layer)[] SetInputSteps(Module model)
    {
        model.Eval();
        using (Tensor.NoGrad()) model.Forward(Tensor.Zeros(1, 784));
        return model.NamedChildren().Where(c => c.Child is QuantLinear).Select(c => (c.Name, (QuantLinear)c.Child)).ToArray();
    }
}
