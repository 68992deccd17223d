using QuantHdl.Compiler.Freeze;
using QuantHdl.Golden;
using QuantHdl.Compiler.Ir;
using QuantHdl.Compiler.Passes;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Ir;

public class IrJsonTests
{
    private static IrGraph Sample() =>
        PassPipeline.Run(Freezer.Freeze(TestModels.RandomMlp(11, new WeightSpec(WeightCode.Post, 4), 4, 32, 16, 10)), PassPipeline.Default(16));

    [Fact]
    public void RoundTripKeepsEveryIntegerAndIsDeterministic()
    {
        var g = Sample();
        var json = IrJson.Serialize(g);
        var back = IrJson.Deserialize(json);
        Assert.Equal(json, IrJson.Serialize(back));
        Assert.Equal(json, IrJson.Serialize(Sample()));
        foreach (var x in TestModels.RandomInputs(3, 5, 32))
            Assert.Equal(GoldenSimulator.Run(g, x)[^1], GoldenSimulator.Run(back, x)[^1]);
        Assert.Contains("\"op\": \"dense\"", json);
        Assert.Contains("\"signed\": false", json);
    }

    [Fact]
    public void TruncatedJsonIsRejected()
    {
        var json = IrJson.Serialize(Sample());
        var e = Assert.Throws<IrException>(() => IrJson.Deserialize(json[..(json.Length / 2)], "build/ir.json"));
        Assert.Contains("build/ir.json", e.Message);
    }

    [Fact]
    public void UnknownOpIsRejected()
    {
        var json = IrJson.Serialize(Sample()).Replace("\"op\": \"dense\"", "\"op\": \"conv9\"");
        Assert.Throws<IrException>(() => IrJson.Deserialize(json));
    }

    [Fact]
    public void BadWidthIsRejectedNamingIt()
    {
        var json = IrJson.Serialize(Sample()).Replace("\"width\": 8", "\"width\": 0");
        var e = Assert.Throws<IrException>(() => IrJson.Deserialize(json));
        Assert.Contains("width 0", e.Message);
    }

    [Fact]
    public void TheOutputIsDeclaredOnceByName()
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(IrJson.Serialize(Sample()))!;
        Assert.Equal("fc2", (string?)root["output"]);
        Assert.Equal(10, (int?)root["classes"]);
    }

    [Fact]
    public void DeletingTheLastNodeIsRejected()
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(IrJson.Serialize(Sample()))!;
        var nodes = root["nodes"]!.AsArray();
        nodes.RemoveAt(nodes.Count - 1);
        var e = Assert.Throws<IrException>(() => IrJson.Deserialize(root.ToJsonString()));
        Assert.Contains("declared output 'fc2' is not a node", e.Message);
    }

    [Fact]
    public void AnOutputThatIsNotALogitLayerIsRejected()
    {
        // Point the output at the hidden layer fc1 (ReLU, unsigned) and drop fc2.
        var root = System.Text.Json.Nodes.JsonNode.Parse(IrJson.Serialize(Sample()))!;
        var nodes = root["nodes"]!.AsArray();
        nodes.RemoveAt(nodes.Count - 1);
        root["output"] = "fc1";
        root["classes"] = 16;
        var e = Assert.Throws<IrException>(() => IrJson.Deserialize(root.ToJsonString()));
        Assert.Contains("output 'fc1' is not a logit layer", e.Message);
    }

    [Fact]
    public void AClassCountThatDisagreesWithTheLogitsIsRejected()
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(IrJson.Serialize(Sample()))!;
        root["classes"] = 9;
        var e = Assert.Throws<IrException>(() => IrJson.Deserialize(root.ToJsonString()));
        Assert.Contains("has 10 logits but the graph declares 9 classes", e.Message);
    }

    [Fact]
    public void AnIrWithoutAnOutputDeclarationIsRejected()
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(IrJson.Serialize(Sample()))!.AsObject();
        root.Remove("output");
        var e = Assert.Throws<IrException>(() => IrJson.Deserialize(root.ToJsonString()));
        Assert.Contains("output", e.Message);
    }

    [Fact]
    public void MissingFileSaysWhatToRun()
    {
        var e = Assert.Throws<IrException>(() => IrJson.Load("/nonexistent/ir.json"));
        Assert.Contains("compile", e.Message);
    }
}
