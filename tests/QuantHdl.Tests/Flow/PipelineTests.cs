using QuantHdl.Artifacts;
using QuantHdl.Flows;
using QuantHdl.Compiler.Ir;
using QuantHdl.Models;
using QuantHdl.Quantization;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Flow;

public partial class PipelineTests(PipelineFixture fx) : IClassFixture<PipelineFixture>
{
    [Fact]
    public void GoldenSimulatorAgreesWithTheFakeQuantModel()
    {
        var rep = SimulateFlow.Simulate(fx.BuildDir, fx.Data, 1000, new SilentReporter());
        Assert.Equal(1000, rep.Samples);
        Assert.True(rep.FakeQuantAccuracy > 0.70, $"fake-quant accuracy {rep.FakeQuantAccuracy:P2} is too low for the test to mean anything");
        Assert.InRange(Math.Abs(rep.AccuracyDeltaPoints), 0, 0.3);
        Assert.True(rep.IdenticalShare >= 0.99, $"only {rep.IdenticalShare:P2} identical predictions");
        Assert.True(File.Exists(Path.Combine(fx.BuildDir, SimulateFlow.ReportFile)));
    }

    [Theory]
    [InlineData("post:4")]
    [InlineData("uniform:8")]
    public void VerilatorMatchesTheGoldenSimulatorOnEveryIntegerOfAHundredTestImages(string weights)
    {
        var build = weights == "post:4" ? fx.BuildDir : fx.Build8Dir;
        var report = VerifyFlow.Verify(build, 100, new QuantHdl.Verification.Verilator.VerifyOptions(), new SilentReporter());
        report.EnsurePassed();
        Assert.Equal(100, report.NoStall.BitExact);
        Assert.Equal(100, report.Stall!.BitExact);
        Assert.Equal(0, report.NoStall.Mismatches + report.Stall.Mismatches);
        // Every element of every layer was compared, in both runs.
        var g = IrJson.Load(Path.Combine(build, CompileFlow.IrFile));
        foreach (var run in new[] { report.NoStall, report.Stall })
            foreach (var node in g.Nodes)
                Assert.Equal(100L * node.OutSize, run.Layers.Single(l => l.Node == node.Name).ElementsChecked);
        Assert.True(File.Exists(Path.Combine(build, VerifyFlow.ReportFile)));
        Assert.True(report.LatencyCycles > 0);
    }

    [Fact]
    public void HeavyBackpressureStallsThePipelineButLosesNothing()
    {
        // At 97% output stalls the final layer's 10 beats need more cycles than a frame's compute, so
        // backpressure must propagate through every MVU to the input.
        var o = new QuantHdl.Verification.Verilator.VerifyOptions { InStall = 0.9, OutStall = 0.97, StallSeed = 7 };
        var report = VerifyFlow.Verify(fx.BuildDir, 30, o, new SilentReporter());
        report.EnsurePassed();
        Assert.Equal(30, report.Stall!.BitExact);
        Assert.True(report.Stall.TotalCycles > report.NoStall.TotalCycles * 1.2,
            $"stall run took {report.Stall.TotalCycles} cycles vs {report.NoStall.TotalCycles}: the stalls did not throttle the pipeline");
    }

    [Fact]
    public void UniformW8A8UsesEightBitEdges()
    {
        var g = IrJson.Load(Path.Combine(fx.Build8Dir, CompileFlow.IrFile));
        Assert.Equal(IntType.U(8), g.Node("fc1").OutType);
        Assert.All(g.Nodes.Select(n => n.Op).OfType<DenseOp>(), d => Assert.Equal(new WeightSpec(WeightCode.Uniform, 8), d.Weight));
    }

    [Fact]
    public void TheSameSeedGivesTheSameModelAndTheSameIr()
    {
        // Reruns every stage from scratch (float training, QAT, compile) and compares the bytes.
        var again = CliRunner.TempDir("determinism");
        var o = new TrainOptions(Epochs: 2, Seed: 3, DataDir: fx.Data);
        string fp = Path.Combine(again, "fp"), qat = Path.Combine(again, "qat"), build = Path.Combine(again, "build");
        TrainFlow.TrainFloat(MlpSpec.Parse("mlp:784-32-16-10"), o, fp, new SilentReporter());
        Assert.Equal(File.ReadAllBytes(Path.Combine(fx.FloatDir, Checkpoint.DataFile)), File.ReadAllBytes(Path.Combine(fp, Checkpoint.DataFile)));
        TrainFlow.Qat(fp, WeightSpec.Parse("post:4"), ActivationSpec.Parse("uniform:4"), o with { Epochs = 1, Lr = 5e-4 }, qat, new SilentReporter());
        Assert.Equal(File.ReadAllBytes(Path.Combine(fx.QatDir, Checkpoint.DataFile)), File.ReadAllBytes(Path.Combine(qat, Checkpoint.DataFile)));
        CompileFlow.Compile(qat, build, new CompileOptions { DataDir = fx.Data, Vectors = 100 }, new SilentReporter(), VerifyFlow.Emit);
        Assert.Equal(File.ReadAllText(Path.Combine(fx.BuildDir, CompileFlow.IrFile)), File.ReadAllText(Path.Combine(build, CompileFlow.IrFile)));
        var rtl = Directory.GetFiles(Path.Combine(fx.BuildDir, "rtl")).Select(Path.GetFileName).Order().ToArray();
        Assert.NotEmpty(rtl);
        Assert.Equal(rtl, Directory.GetFiles(Path.Combine(build, "rtl")).Select(Path.GetFileName).Order().ToArray());
        foreach (var f in rtl)
            Assert.Equal(File.ReadAllBytes(Path.Combine(fx.BuildDir, "rtl", f!)), File.ReadAllBytes(Path.Combine(build, "rtl", f!)));
    }

    [Fact]
    public void AnMlpCheckpointIsALayerGraphWithoutAnInputShape()
    {
        // mlp: models are layer graphs named by node; no input shape is stored (the spec names its input size).
        var json = File.ReadAllText(Path.Combine(fx.FloatDir, Checkpoint.InfoFile));
        Assert.DoesNotContain("\"input\"", json);
        var info = Checkpoint.Read(fx.FloatDir).Info;
        Assert.Equal("mlp:784-32-16-10", info.Model);
        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"], info.Tensors.Select(t => t.Name));
        var q = ModelStore.LoadQat(fx.QatDir).Model;
        Assert.False(q.TakesImages);
        Assert.Equal(["fc1", "relu1", "fc2", "relu2", "fc3"], q.Nodes.Select(n => n.Node.Name));
        Assert.Contains("relu1.step", Checkpoint.Read(fx.QatDir).Info.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void AnMlpCheckpointWithPositionalNamesStillLoads()
    {
        // Before MLPs were layer graphs, their float tensors were Sequential's 0.weight, 2.bias, ... and the
        // QAT activation steps act1.step, ...; the bytes were the same. Such checkpoints load unchanged.
        var old = new Dictionary<string, string> { ["fc1."] = "0.", ["fc2."] = "2.", ["fc3."] = "4.", ["relu1."] = "act1.", ["relu2."] = "act2." };
        string Rename(string dir)
        {
            var copy = TinyArtifacts.CopyTo(dir, Path.Combine(CliRunner.TempDir("positional"), Path.GetFileName(dir)));
            var path = Path.Combine(copy, Checkpoint.InfoFile);
            var text = File.ReadAllText(path);
            foreach (var (now, before) in old) text = text.Replace($"\"name\": \"{now}", $"\"name\": \"{before}");
            File.WriteAllText(path, text);
            return copy;
        }
        var fp = Rename(fx.FloatDir);
        Assert.Contains("2.weight", Checkpoint.Read(fp).Info.Tensors.Select(t => t.Name));
        var (_, g) = ModelStore.LoadFloatGraph(fp);
        var (_, now) = ModelStore.LoadFloatGraph(fx.FloatDir);
        Assert.Equal(now.NamedParameters().Select(p => p.Param.Data), g.NamedParameters().Select(p => p.Param.Data));
        var qat = Rename(fx.QatDir);
        Assert.Contains("act1.step", Checkpoint.Read(qat).Info.Tensors.Select(t => t.Name));
        var (_, q) = ModelStore.LoadQat(qat);
        var (_, qNow) = ModelStore.LoadQat(fx.QatDir);
        Assert.Equal(qNow.NamedParameters().Select(p => p.Param.Data), q.NamedParameters().Select(p => p.Param.Data));
    }

    [Fact]
    public void SimulateUsesTheDataTheBuildWasCompiledWith()
    {
        // The fixture compiled against a 1,000-image test subset; the default data set has 10,000.
        var rep = SimulateFlow.Simulate(fx.BuildDir, null, 10000, new SilentReporter());
        Assert.Equal(1000, rep.Samples);
        Assert.Equal(Path.GetFullPath(fx.Data), QuantHdl.Flows.BuildDataset.Load(fx.BuildDir).DataDir);
    }

    [Fact]
    public void AnIrWithoutItsLogitLayerIsRejectedNotScored()
    {
        var bad = CliRunner.TempDir("nologits");
        foreach (var f in Directory.GetFiles(fx.BuildDir).Where(f => Path.GetFileName(f) != SimulateFlow.ReportFile))
            File.Copy(f, Path.Combine(bad, Path.GetFileName(f)));
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(fx.BuildDir, CompileFlow.IrFile)))!;
        var nodes = root["nodes"]!.AsArray();
        nodes.RemoveAt(nodes.Count - 1);
        File.WriteAllText(Path.Combine(bad, CompileFlow.IrFile), root.ToJsonString());
        var (exit, _, err) = CliRunner.Run("simulate", "--build", bad, "--data", fx.Data);
        Assert.Equal(1, exit);
        Assert.Contains("declared output 'fc3' is not a node", err);
        Assert.False(File.Exists(Path.Combine(bad, SimulateFlow.ReportFile)));
    }

    [Fact]
    public void TheIrCarriesTypesOnEveryEdge()
    {
        var g = IrJson.Load(Path.Combine(fx.BuildDir, CompileFlow.IrFile));
        Assert.Equal(IntType.U(8), g.Nodes[0].OutType);
        Assert.Equal(IntType.U(4), g.Node("fc1").OutType);
        Assert.Equal(IntType.U(4), g.Node("fc2").OutType);
        Assert.Equal(IntType.S(16), g.Node("fc3").OutType);
        Assert.All(g.Nodes.Select(n => n.Op).OfType<DenseOp>(), d => Assert.Equal(WeightCode.Post, d.Weight.Code));
    }

    [Fact]
    public void TruncatedCheckpointIsRejected()
    {
        var bad = CliRunner.TempDir("truncated");
        foreach (var f in Directory.GetFiles(fx.QatDir)) File.Copy(f, Path.Combine(bad, Path.GetFileName(f)));
        var data = Path.Combine(bad, Checkpoint.DataFile);
        var bytes = File.ReadAllBytes(data);
        File.WriteAllBytes(data, bytes[..(bytes.Length / 2)]);
        var (exit, _, err) = CliRunner.Run("compile", "--from", bad, "--out", Path.Combine(bad, "build"), "--data", fx.Data);
        Assert.NotEqual(0, exit);
        Assert.Contains("truncated or corrupt", err);
        Assert.False(Directory.Exists(Path.Combine(bad, "build")));
    }

    [Fact]
    public void TruncatedIrJsonIsRejected()
    {
        var bad = CliRunner.TempDir("badir");
        var json = File.ReadAllText(Path.Combine(fx.BuildDir, CompileFlow.IrFile));
        File.WriteAllText(Path.Combine(bad, CompileFlow.IrFile), json[..(json.Length / 3)]);
        var (exit, _, err) = CliRunner.Run("simulate", "--build", bad, "--data", fx.Data);
        Assert.NotEqual(0, exit);
        Assert.Contains("malformed", err);
    }

    [Fact]
    public void QatNeedsAFloatCheckpoint()
    {
        var e = Assert.Throws<CheckpointException>(() =>
            TrainFlow.Qat(fx.QatDir, WeightSpec.Parse("post:4"), ActivationSpec.Parse("uniform:4"), new TrainOptions(1, DataDir: fx.Data), Path.Combine(fx.Root, "x"), new SilentReporter()));
        Assert.Contains("quanthdl train", e.Message);
    }

    [Fact]
    public void EmitRegeneratesTheSameRtlAndVectorsFromIrJsonAlone()
    {
        // compile --no-emit writes ir.json only; emit then writes what compile would have, byte for byte.
        var build = Path.Combine(CliRunner.TempDir("emit"), "build");
        var (exit, _, err) = CliRunner.Run("compile", "--from", fx.QatDir, "--out", build, "--data", fx.Data, "--vectors", "100", "--no-emit");
        Assert.True(exit == 0, err);
        Assert.False(Directory.Exists(Path.Combine(build, "rtl")));
        (exit, _, err) = CliRunner.Run("emit", "--build", build, "--vectors", "100");
        Assert.True(exit == 0, err);
        foreach (var rel in new[] { "design.json", "vectors/inputs.txt" }
                     .Concat(Directory.GetFiles(Path.Combine(fx.BuildDir, "rtl")).Select(f => "rtl/" + Path.GetFileName(f)))
                     .Concat(Directory.GetFiles(Path.Combine(fx.BuildDir, "sim")).Select(f => "sim/" + Path.GetFileName(f))))
            Assert.True(File.ReadAllBytes(Path.Combine(fx.BuildDir, rel)).SequenceEqual(File.ReadAllBytes(Path.Combine(build, rel))), $"{rel} differs");
        Assert.Equal(Directory.GetFiles(Path.Combine(fx.BuildDir, "rtl")).Length, Directory.GetFiles(Path.Combine(build, "rtl")).Length);
        // No staging folder is left inside the build, and a second emit replaces the first.
        Assert.DoesNotContain(Directory.GetDirectories(build), d => Path.GetFileName(d).Contains(".staging."));
        (exit, _, err) = CliRunner.Run("emit", "--build", build, "--vectors", "7");
        Assert.True(exit == 0, err);
        Assert.Equal(2 + 7, File.ReadAllLines(Path.Combine(build, "vectors", "inputs.txt")).Length);
    }
}
