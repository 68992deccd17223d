using QuantHdl.Arithmetic;
using QuantHdl.Artifacts;
using QuantHdl.Flows;
using QuantHdl.Quantization;

namespace QuantHdl.Tests.Flow;

/// <summary>A JSON residual model through train and qat: the checkpoint carries the JSON, so qat needs no file.</summary>
public class ResidualFlowTests
{
    private const string Json = """
        {"name": "tiny-res", "nodes": [
          {"name": "stem", "op": "conv", "out": 4, "k": 3, "stride": 2, "pad": 1}, {"name": "stem_bn", "op": "bn"}, {"name": "stem_relu", "op": "relu"},
          {"name": "b_conv1", "op": "conv", "out": 4, "k": 3, "pad": 1}, {"name": "b_bn1", "op": "bn"}, {"name": "b_relu1", "op": "relu"},
          {"name": "b_conv2", "op": "conv", "out": 4, "k": 3, "pad": 1}, {"name": "b_bn2", "op": "bn"},
          {"name": "b_add", "op": "add", "inputs": ["b_bn2", "stem_relu"]}, {"name": "b_relu2", "op": "relu"},
          {"name": "pool", "op": "maxpool", "k": 2}, {"name": "gap", "op": "gap"}, {"name": "fc", "op": "dense", "out": 10}]}
        """;

    [Fact]
    public void AJsonResidualModelTrainsAndQuantizesFromItsCheckpointAlone()
    {
        var root = CliRunner.TempDir("residual-flow");
        var file = Path.Combine(root, "tiny-res.json");
        File.WriteAllText(file, Json);
        var o = new TrainOptions(Epochs: 1, Seed: 3, Lr: 3e-3, DataDir: FashionSubset.Path);
        var fp = TrainFlow.TrainFloat(file, o, Path.Combine(root, "fp"), new SilentReporter());
        Assert.Equal(Json, fp.Model);
        File.Delete(file); // later stages read the model from the checkpoint
        var qat = TrainFlow.Qat(Path.Combine(root, "fp"), WeightSpec.Parse("uniform:4"), ActivationSpec.Parse("uniform:4"), o, Path.Combine(root, "qat"), new SilentReporter());
        Assert.Equal(Json, qat.Model);
        var (_, q) = ModelStore.LoadQat(Path.Combine(root, "qat"));
        Assert.Contains(q.NamedParameters(), p => p.Name == "b_conv2.aq.step");
        // A tiny residual net after one float and one QAT epoch on 6000 images has learnt something: at least
        // twice chance (10%); a broken wiring or quantizer stays at chance.
        Assert.True(qat.TestAccuracy > 0.2, $"test accuracy {qat.TestAccuracy:P2}");
    }

    [Fact]
    public void AnUnreadableJsonPathIsRefusedBeforeAnythingIsWritten()
    {
        var root = CliRunner.TempDir("residual-flow-missing");
        var e = Assert.Throws<ArgumentException>(() => TrainFlow.TrainFloat(Path.Combine(root, "none.json"), new TrainOptions(1, DataDir: FashionSubset.Path), Path.Combine(root, "fp"), new SilentReporter()));
        Assert.Contains("none.json", e.Message);
        Assert.False(Directory.Exists(Path.Combine(root, "fp")) && Directory.EnumerateFileSystemEntries(Path.Combine(root, "fp")).Any());
    }
}
