using QuantHdl.Arithmetic;
using QuantHdl.Artifacts;
using QuantHdl.Engine.Data;
using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;
using QuantHdl.Engine.Training;
using QuantHdl.Flows;
using QuantHdl.Models;
using QuantHdl.Quantization;
using QuantHdl.Tests.Engine;
using QuantHdl.Tests.Flow;

namespace QuantHdl.Tests.Bwrf;

/// <summary>
/// Block-wise replacement (docs/bwrf.md): the KL term against a double-precision formula and finite
/// differences, the mixed paths against hand-composed float blocks, a frozen partner, the loss gradient
/// against finite differences, the blocks of each model kind, and a BWRF checkpoint through compile and
/// the golden simulator.
/// </summary>
public class BwrfTests
{
    private static Tensor Pixels(Random rng, int n, int features) =>
        new([n, features], Enumerable.Range(0, n * features).Select(_ => rng.Next(256) / 255f).ToArray());

    private static double KlReference(float[] s, float[] t, int rows, int cols, double temp)
    {
        double total = 0;
        for (int i = 0; i < rows; i++)
        {
            double[] Soft(float[] z)
            {
                var e = Enumerable.Range(0, cols).Select(j => Math.Exp(z[i * cols + j] / temp)).ToArray();
                double sum = e.Sum();
                return e.Select(v => v / sum).ToArray();
            }
            var p = Soft(t);
            var q = Soft(s);
            for (int j = 0; j < cols; j++) total += p[j] * Math.Log(p[j] / q[j]);
        }
        return total / rows;
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(3.0)]
    [InlineData(0.5)]
    public void KlDivergenceMatchesTheFormulaAndFiniteDifferences(double temp)
    {
        var rng = new Random(7);
        var student = GradCheck.Rand(rng, 4, 5);
        var teacher = GradCheck.Rand(rng, 4, 5);
        for (int i = 0; i < teacher.Numel; i++) teacher.Data[i] *= 3; // sharper targets than the student
        var kl = Ops.KlDivergence(student, teacher, (float)temp);
        Assert.Equal(KlReference(student.Data, teacher.Data, 4, 5, temp), kl.Item(), 5);
        GradCheck.Check(t => Ops.KlDivergence(t[0], teacher, (float)temp), [student], h: 1e-2, rtol: 1e-2, atol: 1e-4);
    }

    [Fact]
    public void KlDivergenceIsZeroOnItsTargetAndRefusesATeacherWithGradient()
    {
        var rng = new Random(3);
        var t = GradCheck.Rand(rng, 3, 4);
        Assert.Equal(0, Ops.KlDivergence(t.Clone(), t, 2f).Item(), 6);
        var live = GradCheck.Rand(rng, 3, 4);
        live.RequiresGrad = true;
        Assert.Contains("teacher", Assert.Throws<ArgumentException>(() => Ops.KlDivergence(t, live, 1f)).Message);
        Assert.Contains("temperature 0", Assert.Throws<ArgumentException>(() => Ops.KlDivergence(t, t, 0f)).Message);
    }

    private static (QuantGraph Q, LayerGraph F, BlockReplacement B) Mlp(string weights = "uniform:4", int acts = 4, BwrfOptions? o = null)
    {
        var fp = new LayerGraph(ModelSpec.Parse("mlp:6-5-4-3", Shape.Flat(6)), new Random(11));
        var q = new QuantGraph(fp, WeightSpec.Parse(weights), new ActivationSpec(acts));
        var f = BatchNormFolder.Fold(fp);
        return (q, f, new BlockReplacement(q, f, o ?? new BwrfOptions()));
    }

    /// <summary>y = x W^T + b, in double, from a float layer's tensors.</summary>
    private static double[,] Dense(double[,] x, Linear l, bool relu)
    {
        int n = x.GetLength(0), inF = l.InFeatures, outF = l.OutFeatures;
        var y = new double[n, outF];
        for (int i = 0; i < n; i++)
            for (int o = 0; o < outF; o++)
            {
                double s = l.Bias!.Data[o];
                for (int k = 0; k < inF; k++) s += x[i, k] * l.Weight.Data[o * inF + k];
                y[i, o] = relu ? Math.Max(0, s) : s;
            }
        return y;
    }

    [Fact]
    public void MixedPathsAreQsPrefixThroughFsRemainingBlocks()
    {
        var (q, f, b) = Mlp();
        Assert.Equal([["fc1", "relu1"], ["fc2", "relu2"], ["fc3"]], b.Blocks);
        var x = Pixels(new Random(1), 8, 6);
        q.Forward(x); // initialises the activation steps
        var stages = q.ForwardStages(x).ToDictionary(s => s.Name, s => s.Output.Clone());
        var (logits, mixed) = b.Forward(x);
        Assert.Equal(2, mixed.Length);
        Assert.Equal(stages["fc3"].Data, logits.Data);

        Linear F(string name) => (Linear)f.Nodes.Single(n => n.Node.Name == name).Module;
        double[,] Rows(Tensor t) { var a = new double[t.Dim(0), t.Dim(1)]; for (int i = 0; i < t.Numel; i++) a[i / t.Dim(1), i % t.Dim(1)] = t.Data[i]; return a; }
        // M_1 = F3(F2(Q1(x))), M_2 = F3(Q2(Q1(x))): the quantized edge after each cut runs through F's float layers.
        var m1 = Dense(Dense(Rows(stages["relu1"]), F("fc2"), relu: true), F("fc3"), relu: false);
        var m2 = Dense(Rows(stages["relu2"]), F("fc3"), relu: false);
        for (int i = 0; i < 8; i++)
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal(m1[i, c], mixed[0].Data[i * 3 + c], 4);
                Assert.Equal(m2[i, c], mixed[1].Data[i * 3 + c], 4);
            }
        // And the Q prefix is quantized: relu1 is on its activation grid, so M_1 differs from F.
        var step = ((LsqActivationQuantizer)q.Nodes.Single(n => n.Node.Name == "relu1").Module).Step.Data[0];
        Assert.All(stages["relu1"].Data, v => Assert.Equal(Math.Round(v / step), v / step, 3));
    }

    [Fact]
    public void OnAResidualNetFsSuffixFromItsOwnCutIsFAndQsPrefixGetsTheMixedPathsGradient()
    {
        // Stem 4, stage 1 of 4 channels, stage 2 of 8 (a 1x1 stride-2 shortcut), 3 logits: 2 stages, 1 cut.
        var spec = ModelSpec.FromGraph("tiny", new Shape(1, 8, 8), ResNet.Nodes(4, [4, 8], 1, 3));
        var f = BatchNormFolder.Fold(new LayerGraph(spec, new Random(5)));
        var q = new QuantGraph(f, WeightSpec.Parse("uniform:8"), new ActivationSpec(8));
        var rng = new Random(6);
        var x = new Tensor([2, 1, 8, 8], Enumerable.Range(0, 128).Select(_ => rng.Next(256) / 255f).ToArray());
        q.Forward(x);
        var b = new BlockReplacement(q, f, new BwrfOptions { CeWeight = 0 });
        Assert.Equal(2, b.Blocks.Count);
        Assert.Equal("s1b1_relu2", b.Blocks[0][^1]);
        int cut = b.Blocks[0].Length - 1;
        using (Tensor.NoGrad())
        {
            // The reference is F's whole forward pass: cutting F and resuming at the cut changes nothing.
            var atCut = f.ForwardStages(x).ElementAt(cut).Output;
            var whole = f.Forward(x);
            var resumed = f.ForwardFrom(cut + 1, atCut);
            for (int i = 0; i < whole.Numel; i++) Assert.Equal(whole.Data[i], resumed.Data[i], 4);
            // Inside stage 2 the shortcut crosses: resuming at s2b1_conv2 is refused.
            int inside = f.Nodes.Select(n => n.Node.Name).ToList().IndexOf("s2b1_conv2");
            Assert.Contains("node s2b1_down reads s1b1_relu2", Assert.Throws<ArgumentException>(() => f.ForwardFrom(inside, atCut)).Message);
        }
        // The KL of M_1 alone (no CE terms) still reaches the stem: its gradient flows through F's stage 2.
        var stem = ((QuantConv2d)q.Nodes[0].Module).Weight;
        foreach (var p in q.Parameters()) p.ClearGrad();
        var (_, mixed) = b.Forward(x);
        Tensor teacher;
        using (Tensor.NoGrad()) teacher = f.Forward(x);
        Ops.KlDivergence(mixed[0], teacher, 1f).Backward();
        Assert.Contains(stem.Grad!, v => v != 0);
        var stage2 = ((QuantConv2d)q.Nodes.Single(n => n.Node.Name == "s2b1_conv1").Module).Weight;
        Assert.True(stage2.Grad is null || stage2.Grad.All(v => v == 0), "Q's stage 2 is not on the path M_1");
        Assert.All(f.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void ABwrfStepChangesQAndLeavesTheFrozenPartnerWithoutGradient()
    {
        var (q, f, b) = Mlp(o: new BwrfOptions { QKlWeight = 0.5 });
        var fBefore = f.Parameters().Select(p => (float[])p.Data.Clone()).ToArray();
        var qBefore = q.Parameters().Select(p => (float[])p.Data.Clone()).ToArray();
        var data = new IdxDataset(Enumerable.Range(0, 64 * 6).Select(i => (byte)(i * 37 % 256)).ToArray(),
            Enumerable.Range(0, 64).Select(i => (byte)(i % 3)).ToArray(), 2, 3, 3);
        var opt = new QatOptimizer(q.WeightParameters(), q.ScaleParameters(), 1e-2, 1.0);
        var stats = Trainer.TrainEpoch(q, new DataLoader(data, 16, shuffle: true, seed: 1), opt, objective: b.Loss);
        Assert.Equal(4, stats.Batches);
        Assert.All(f.Parameters(), p => { Assert.False(p.RequiresGrad); Assert.Null(p.Grad); });
        Assert.Equal(fBefore, f.Parameters().Select(p => p.Data));
        var qAfter = q.Parameters().Select(p => p.Data).ToArray();
        foreach (var name in new[] { "fc1.weight", "fc2.weight", "fc3.weight" })
        {
            int k = q.NamedParameters().Select(p => p.Name).ToList().IndexOf(name);
            Assert.NotEqual(qBefore[k], qAfter[k]);
        }
    }

    [Fact]
    public void TheLossGradientOfAQPrefixWeightMatchesFiniteDifferences()
    {
        // A smooth setting: 16-bit uniform weights and activations with steps far below the perturbation,
        // so that the STE gradient is the derivative of the (almost continuous) loss; nothing clips.
        var (q, f, b) = Mlp(weights: "uniform:16", acts: 16, o: new BwrfOptions { Temperature = 2, CeWeight = 0.7, KlWeight = 1.3, QKlWeight = 0.4 });
        var rng = new Random(5);
        var x = Pixels(rng, 6, 6);
        var labels = new[] { 0, 1, 2, 0, 1, 2 };
        q.Forward(x);
        foreach (var (_, m) in q.Nodes)
        {
            if (m is QuantLinear l)
                for (int c = 0; c < l.OutFeatures; c++)
                    l.Quantizer.Scale.Data[c] = 4 * l.Weight.Data.Skip(c * l.InFeatures).Take(l.InFeatures).Max(Math.Abs) / 32767;
            if (m is LsqActivationQuantizer a) a.Step.Data[0] = 2e-5f;
        }
        var fc1 = ((QuantLinear)q.Nodes[0].Module).Weight;
        var fc2Bias = ((QuantLinear)q.Nodes[2].Module).Bias;
        foreach (var p in q.Parameters()) p.ClearGrad();
        b.Loss(x, labels).Loss.Backward();
        double LossAt()
        {
            using var ng = Tensor.NoGrad();
            return b.Loss(x, labels).Loss.Item();
        }
        foreach (var (t, e) in new[] { (fc1, 0), (fc1, 7), (fc1, 13), (fc1, 29), (fc2Bias, 1), (fc2Bias, 3) })
        {
            float orig = t.Data[e];
            const double h = 1e-2;
            t.Data[e] = (float)(orig + h);
            double up = LossAt();
            t.Data[e] = (float)(orig - h);
            double down = LossAt();
            t.Data[e] = orig;
            double numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(t.Grad![e] - numeric) <= 2e-3 + 3e-2 * Math.Abs(numeric), $"element {e}: autograd {t.Grad[e]}, finite difference {numeric}");
        }
        // The KL and CE of the mixed paths add to CE(Q): the gradient is not CE(Q)'s alone.
        var g = (float[])fc1.Grad!.Clone();
        foreach (var p in q.Parameters()) p.ClearGrad();
        Ops.CrossEntropy(q.Forward(x), labels).Backward();
        Assert.NotEqual(g, fc1.Grad!);
    }

    [Fact]
    public void EachModelKindSplitsIntoItsDocumentedBlocks()
    {
        var lenet = BatchNormFolder.FoldSpec(ModelSpec.Parse("lenet5", new Shape(1, 28, 28)));
        var names = BwrfBlocks.Names(lenet, BwrfBlocks.Cuts(lenet));
        Assert.Equal(5, names.Length);
        Assert.All(names, blk => Assert.Contains(blk[0], lenet.Nodes.Where(n => n.Layer is ConvSpec or DenseSpec).Select(n => n.Name)));

        var resnet = BatchNormFolder.FoldSpec(ModelSpec.Parse("resnet8", new Shape(1, 28, 28)));
        var stages = BwrfBlocks.Names(resnet, BwrfBlocks.Cuts(resnet));
        Assert.Equal(3, stages.Length);
        Assert.Equal("stem", stages[0][0]);
        Assert.Equal("s1b1_relu2", stages[0][^1]);
        Assert.Equal(["s2b1_"], stages[1].Select(n => n[..5]).Distinct());
        Assert.Equal("fc", stages[2][^1]);

        // Inside a residual block the shortcut crosses: no cut.
        var e = Assert.Throws<ArgumentException>(() => BwrfBlocks.Cuts(resnet, ["s2b1_relu1"]));
        Assert.Contains("node s2b1_down reads", e.Message);
        var graph = ModelSpec.FromGraph("g", new Shape(1, 4, 4), [
            new("a", new ConvSpec(2, 3, 1, 1), []), new("ra", new ReluSpec(), []), new("b", new ConvSpec(2, 3, 1, 1), []),
            new("add", new AddSpec(), ["b", "ra"]), new("r", new ReluSpec(), []), new("fc", new DenseSpec(3), [])]);
        Assert.Contains("--bwrf-blocks", Assert.Throws<ArgumentException>(() => BwrfBlocks.Cuts(graph)).Message);
        Assert.Equal([4], BwrfBlocks.Cuts(graph, ["r"]));
        Assert.Contains("one", Assert.Throws<ArgumentException>(() => BwrfBlocks.Cuts(ModelSpec.Parse("mlp:6-3", Shape.Flat(6)))).Message);
        var mlp = ModelSpec.Parse("mlp:6-5-4-3", Shape.Flat(6));
        Assert.Equal([0, 3], BwrfBlocks.Cuts(mlp, ["relu2", "fc1"]));
        Assert.Contains("'nope' is no node", Assert.Throws<ArgumentException>(() => BwrfBlocks.Cuts(mlp, ["nope"])).Message);
        Assert.Contains("last node", Assert.Throws<ArgumentException>(() => BwrfBlocks.Cuts(mlp, ["fc3"])).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => BwrfBlocks.Cuts(mlp, ["fc1", "fc1"])).Message);
    }

    private static readonly Lazy<string> BwrfQat = new(() =>
    {
        // A trained partner: BWRF distils from F, and an untrained F would teach noise.
        var root = CliRunner.TempDir("bwrf");
        var fp = Path.Combine(root, "fp");
        TrainFlow.TrainFloat("mlp:784-16-10", new TrainOptions(2, Seed: 2, DataDir: FashionSubset.Path), fp, new SilentReporter());
        var dir = Path.Combine(root, "qat");
        TrainFlow.Qat(fp, WeightSpec.Parse("post:4"), ActivationSpec.Parse("uniform:4"), new TrainOptions(1, Seed: 2, DataDir: FashionSubset.Path), dir, new SilentReporter(), bwrf: new BwrfOptions());
        return dir;
    });

    [Fact]
    public void ABwrfCheckpointRecordsItsCostFreezesAndRunsInTheGoldenSimulator()
    {
        var (info, _) = Checkpoint.Read(BwrfQat.Value);
        var bw = Assert.IsType<BwrfInfo>(info.Bwrf);
        Assert.Equal(["fc1,relu1", "fc2"], bw.Blocks);
        Assert.Equal(4, bw.CostBound);
        Assert.True(bw.PlainStepSeconds > 0 && bw.BwrfStepSeconds > 0);
        Assert.True(bw.CostRatio < bw.CostBound, $"a BWRF step costs {bw.CostRatio:F2} plain steps, more than blocks + 2 = {bw.CostBound}");
        var build = Path.Combine(CliRunner.TempDir("bwrf-build"), "build");
        CompileFlow.Compile(BwrfQat.Value, build, new CompileOptions { DataDir = FashionSubset.Path, Vectors = 4 }, new SilentReporter());
        var sim = SimulateFlow.Simulate(build, FashionSubset.Path, 300, new SilentReporter());
        Assert.True(sim.IntegerAccuracy > 0.5, $"integer accuracy {sim.IntegerAccuracy:P1} after one BWRF epoch");
        Assert.True(sim.IdenticalShare >= 0.98, $"golden and fake-quant agree on {sim.IdenticalShare:P1}");
    }

    [Fact]
    public void ABwrfTrainedNetVerifiesBitExactlyInVerilatorWithAndWithoutStalls()
    {
        var build = Path.Combine(CliRunner.TempDir("bwrf-verify"), "build");
        CompileFlow.Compile(BwrfQat.Value, build, new CompileOptions { DataDir = FashionSubset.Path, Vectors = 20 }, new SilentReporter(), EmitFlow.Write);
        var report = VerifyFlow.Verify(build, 20, new QuantHdl.Verification.Verilator.VerifyOptions(), new SilentReporter());
        Assert.Equal(20, report.NoStall.BitExact);
        Assert.Equal(20, report.Stall!.BitExact);
        Assert.Equal(0, report.NoStall.Mismatches + report.Stall.Mismatches);
    }

    [Theory]
    [InlineData("--bwrf-temperature 2", "--bwrf-temperature is a setting of --bwrf")]
    [InlineData("--bwrf --bwrf-temperature 0", "--bwrf-temperature 0 is out of range")]
    [InlineData("--bwrf --bwrf-kl-weight -1", "--bwrf-kl-weight -1 is out of range")]
    [InlineData("--bwrf --bwrf-blocks fc9", "'fc9' is no node")]
    [InlineData("--bwrf --bwrf-blocks fc1,,relu1", "empty name")]
    [InlineData("--bwrf --bwrf-blocks fc2", "'fc2' is the last node")]
    [InlineData("--bwrf --from-qat", "--bwrf needs a float checkpoint")]
    public void BadBwrfInputIsOneLineAndLeavesNoOutput(string extra, string fragment)
    {
        var tmp = CliRunner.TempDir("bwrf-bad");
        var outDir = Path.Combine(tmp, "out");
        var args = extra.Split(' ').ToList();
        string from = TinyArtifacts.Float;
        if (args.Remove("--from-qat")) from = PtqLikeCheckpoint();
        var (exit, _, err) = CliRunner.Run(["qat", "--from", from, "--epochs", "0", "--data", FashionSubset.Path, "--out", outDir, .. args]);
        CliErrorTests.AssertOneLineError(exit, err, fragment);
        Assert.Empty(Directory.GetFileSystemEntries(tmp));
    }

    private static readonly Lazy<string> Ptq = new(() =>
    {
        var dir = Path.Combine(CliRunner.TempDir("bwrf-ptq"), "ptq");
        PtqFlow.Run(TinyArtifacts.Float, new QuantHdl.Ptq.PtqOptions(WeightSpec.Parse("post:4"), ActivationSpec.Parse("uniform:4")) { AdaRound = false, Calibration = 128 }, dir, FashionSubset.Path, new SilentReporter());
        return dir;
    });

    private static string PtqLikeCheckpoint() => Ptq.Value;
}
