using System.Text.Json.Nodes;
using QuantHdl.Compiler.Ir;
using QuantHdl.Flows;
using QuantHdl.Tests.Flow;

namespace QuantHdl.Tests.Residual;

/// <summary>
/// README's commands on a JSON-described residual network (an identity block and a strided block with a 1x1
/// shortcut, a different shape from ResNet-8): train, qat, compile and verify through the CLI, bit-exact on
/// every stream with and without stalls, with every fork's FIFO sized and explained in ir.json.
/// </summary>
public class ResidualPipelineTests
{
    private const string Model = """
        {
          "name": "tiny-res",
          "nodes": [
            {"name": "stem", "op": "conv", "out": 4, "k": 3, "pad": 1},
            {"name": "stem_bn", "op": "bn"},
            {"name": "stem_relu", "op": "relu"},
            {"name": "b1_conv1", "op": "conv", "out": 4, "k": 3, "pad": 1},
            {"name": "b1_bn1", "op": "bn"},
            {"name": "b1_relu1", "op": "relu"},
            {"name": "b1_conv2", "op": "conv", "out": 4, "k": 3, "pad": 1},
            {"name": "b1_bn2", "op": "bn"},
            {"name": "b1_add", "op": "add", "inputs": ["b1_bn2", "stem_relu"]},
            {"name": "b1_relu2", "op": "relu"},
            {"name": "b2_conv1", "op": "conv", "out": 8, "k": 3, "pad": 1, "stride": 2},
            {"name": "b2_bn1", "op": "bn"},
            {"name": "b2_relu1", "op": "relu"},
            {"name": "b2_conv2", "op": "conv", "out": 8, "k": 3, "pad": 1},
            {"name": "b2_bn2", "op": "bn"},
            {"name": "b2_down", "op": "conv", "out": 8, "k": 1, "stride": 2, "inputs": ["b1_relu2"]},
            {"name": "b2_down_bn", "op": "bn"},
            {"name": "b2_add", "op": "add", "inputs": ["b2_bn2", "b2_down_bn"]},
            {"name": "b2_relu2", "op": "relu"},
            {"name": "gap", "op": "gap"},
            {"name": "fc", "op": "dense", "out": 10}
          ]
        }
        """;

    [Fact]
    public void AJsonResidualNetworkIsBitExactUnderVerilatorThroughTheCli()
    {
        var root = CliRunner.TempDir("res-pipeline");
        var model = Path.Combine(root, "tiny-res.json");
        File.WriteAllText(model, Model);
        string data = FashionSubset.Path, fp = Path.Combine(root, "fp"), qat = Path.Combine(root, "qat"), build = Path.Combine(root, "build");
        var (exit, _, err) = CliRunner.Run("train", "--model", model, "--epochs", "1", "--data", data, "--out", fp, "--lr", "3e-3");
        Assert.True(exit == 0, err);
        (exit, _, err) = CliRunner.Run("qat", "--from", fp, "--weights", "post:4", "--acts", "uniform:4", "--epochs", "1", "--data", data, "--out", qat);
        Assert.True(exit == 0, err);
        (exit, _, err) = CliRunner.Run("compile", "--from", qat, "--out", build, "--data", data, "--vectors", "6", "--max-macs", "16");
        Assert.True(exit == 0, err);

        var g = IrJson.Load(Path.Combine(build, CompileFlow.IrFile));
        var forks = g.Nodes.Where(n => n.Op.Kind == OpKind.Fork).ToDictionary(n => n.Name, n => (ForkOp)n.Op);
        Assert.Equal(["stem_fork", "b1_add_fork"], forks.Keys);
        // The identity shortcut waits for two 3x3 convs: at least (2W + 3) pixels of the fork's stream, tight.
        var identity = forks["stem_fork"].Branches.Single(b => b.Consumer == "b1_add");
        int beatsPerPixel = 4 / g.Node("stem").OutLanes;
        Assert.Equal((2 * 28 + 3) * beatsPerPixel - 1, identity.MinDepth);
        Assert.True(identity.Tight);
        Assert.True(identity.Depth >= identity.MinDepth);
        Assert.Equal(0, forks["stem_fork"].Branches.Single(b => b.Consumer == "b1_conv1").Depth);
        // The strided block's 1x1 shortcut has ops of its own: a safe bound, not called tight.
        var down = forks["b1_add_fork"].Branches.Single(b => b.Consumer == "b2_down");
        Assert.True(down.Depth > 0);
        Assert.False(down.Tight);
        Assert.All(forks.Values.SelectMany(f => f.Branches), b => Assert.False(string.IsNullOrWhiteSpace(b.Reason)));

        (exit, _, err) = CliRunner.Run("verify", "--build", build, "--samples", "6");
        Assert.True(exit == 0, err);
        var v = JsonNode.Parse(File.ReadAllText(Path.Combine(build, VerifyFlow.ReportFile)))!;
        Assert.True((bool)v["passed"]!);
        Assert.Equal(6, (int)v["bit_exact"]!);
        Assert.Equal(6, (int)v["stall_run"]!["result"]!["bit_exact"]!);
        Assert.InRange((double)v["analytic"]!["measured_over_analytic"]!, 0.9, 1.1);
    }
}
