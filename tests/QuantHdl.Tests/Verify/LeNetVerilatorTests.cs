using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Ir;
using QuantHdl.Flows;
using QuantHdl.Quantization;
using QuantHdl.Tests.Flow;
using QuantHdl.Verification.Verilator;

namespace QuantHdl.Tests.Verify;

/// <summary>
/// LeNet-5 itself (`--model lenet5`), trained briefly on the Fashion-MNIST subset, through QAT, compile
/// (with RTL), and Verilator: every integer of every layer equals the golden simulator's on 8 test images,
/// without and with random stalls on the ports and on every internal stream, for POST W4A4 and uniform W4A4.
/// The measured initiation interval must equal the analytic one of the folding. README's recipe trains
/// longer; the hardware and the comparison are the same.
/// </summary>
public sealed class LeNetVerilatorTests
{
    private const int Samples = 8;
    private static readonly Lazy<string> FloatDir = new(() =>
    {
        var dir = Path.Combine(CliRunner.TempDir("lenet-e2e"), "fp");
        TrainFlow.TrainFloat("lenet5", new TrainOptions(Epochs: 1, Seed: 0, Lr: 1e-3, DataDir: FashionSubset.Path), dir, new SilentReporter());
        return dir;
    });

    [Theory]
    [InlineData("post:4")]
    [InlineData("uniform:4")]
    public void LeNet5IsBitExactUnderVerilatorWithAndWithoutStalls(string weights)
    {
        var root = CliRunner.TempDir("lenet-" + weights.Replace(':', '-'));
        var qat = Path.Combine(root, "qat");
        var build = Path.Combine(root, "build");
        TrainFlow.Qat(FloatDir.Value, WeightSpec.Parse(weights), ActivationSpec.Parse("uniform:4"),
            new TrainOptions(Epochs: 1, Seed: 0, Lr: 5e-4, DataDir: FashionSubset.Path), qat, new SilentReporter());
        var graph = CompileFlow.Compile(qat, build, new CompileOptions { DataDir = FashionSubset.Path, Vectors = Samples }, new SilentReporter(),
            emit: VerifyFlow.Emit);

        // The network is LeNet-5, by hand: 28-5+1 = 24, /2 = 12, 12-5+1 = 8, /2 = 4; 16*4*4 = 256 -> 120 -> 84 -> 10.
        Assert.Equal(["input", "conv1", "pool1", "conv2", "pool2", "fc1", "fc2", "fc3"], graph.Nodes.Select(n => n.Name));
        var c1 = (ConvOp)graph.Node("conv1").Op;
        var c2 = (ConvOp)graph.Node("conv2").Op;
        Assert.Equal((28, 1, 5, 24, 6), (c1.InH, c1.InC, c1.K, c1.OutH, c1.OutC));
        Assert.Equal((12, 6, 5, 8, 16), (c2.InH, c2.InC, c2.K, c2.OutH, c2.OutC));
        Assert.Equal([(256, 120), (120, 84), (84, 10)], new[] { "fc1", "fc2", "fc3" }.Select(n => (((DenseOp)graph.Node(n).Op).In, ((DenseOp)graph.Node(n).Op).Out)));
        Assert.Equal(WeightSpec.Parse(weights), c1.Mvu.Weight);

        var report = VerifyFlow.Verify(build, Samples, new VerifyOptions { StallSeed = 7 }, new SilentReporter());
        foreach (var run in new[] { report.NoStall, report.Stall! })
        {
            Assert.Null(run.Error);
            Assert.Equal(Samples, run.BitExact);
            Assert.Equal(0, run.Mismatches);
            Assert.Equal(graph.Nodes.Select(n => n.Name), run.Layers.Select(l => l.Node));
            // Every integer of every layer was compared: the node's output size on each sample.
            foreach (var l in run.Layers) Assert.Equal((long)graph.Node(l.Node).OutSize * Samples, l.ElementsChecked);
        }
        // The stall run really stalled every internal stream.
        Assert.All(report.Stall!.Layers, l => Assert.True(l.BackpressureCycles > 0, $"{l.Node} saw no backpressure"));
        // conv1 sets the pace (its 24*24 pixels times SF*NF of its folding), and the hardware keeps it.
        Assert.Equal("conv1", report.AnalyticBottleneck);
        Assert.InRange(report.IntervalRatio!.Value, 0.9, 1.1);
    }
}
