using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Freeze;
using QuantHdl.Compiler.Passes;
using QuantHdl.Engine.Data;
using QuantHdl.Engine.Tensors;
using QuantHdl.Golden;
using QuantHdl.Models;
using QuantHdl.Quantization;

namespace QuantHdl.Tests.Asq;

/// <summary>
/// The static deployment of ASQ worked by hand on mlp:4-4-3 (docs/asq.md "Static deployment"): fc1 is the
/// identity (uniform:8 weights at scale 1/127, so code 127 is weight 1), relu1's adapter is Linear(4, 1)
/// with weights (1, 0, 0, 0) and bias 1, so beta(x) = 1 + x0, and s = 0.1. The two calibration images
/// have pixel 0 = 102 and 51 (x0 = 0.4 and 0.2): beta 1.4 and 1.2, mean 1.3, static step 0.13.
/// </summary>
public class AsqStaticFoldTests
{
    private static (QuantGraph Q, IdxDataset Data) Model()
    {
        var fp = BatchNormFolder.Fold(new LayerGraph(ModelSpec.Parse("mlp:4-4-3", Shape.Flat(4)), new Random(1)));
        var q = new QuantGraph(fp, WeightSpec.Parse("uniform:8"), ActivationSpec.Parse("asq:4"));
        var fc1 = (QuantLinear)q.Nodes[0].Module;
        Array.Clear(fc1.Weight.Data);
        for (int i = 0; i < 4; i++) fc1.Weight.Data[i * 4 + i] = 1f;
        Array.Clear(fc1.Bias.Data);
        Array.Fill(fc1.Quantizer.Scale.Data, 1f / 127);
        var asq = (AsqActivationQuantizer)q.Nodes[1].Module;
        var adapter = asq.Adapter.Layers.Single();
        Assert.Equal(4, adapter.InFeatures);
        adapter.Weight.Data.AsSpan().Clear();
        adapter.Weight.Data[0] = 1f;
        adapter.Bias!.Data[0] = 1f;
        asq.Step.Data[0] = 0.1f;
        q.Eval();
        var data = new IdxDataset([102, 0, 0, 0, 51, 0, 0, 0], [0, 1], 2, 2, classes: 3);
        return (q, data);
    }

    [Fact]
    public void CalibrationAveragesBetaOverTheFirstImages()
    {
        var (q, data) = Model();
        var (betas, used) = AsqCalibration.Calibrate(q, data, 512);
        Assert.Equal(2, used); // min(512, data size)
        Assert.Equal("relu1", betas.Single().Name);
        Assert.Equal(1.3, betas.Single().Beta, 6);
        var asq = q.AsqQuantizers().Single().Quantizer;
        Assert.True(asq.Static);
        Assert.Equal(0.1f * 1.3f, asq.StaticStep, 7);

        var (first, one) = AsqCalibration.Calibrate(q, data, 1);
        Assert.Equal(1, one);
        Assert.Equal(1.4, first.Single().Beta, 6); // only image 0
        Assert.Equal("--asq-calib 0 is out of range 1..60000", Assert.Throws<ArgumentException>(() => AsqCalibration.Calibrate(q, data, 0)).Message);
    }

    [Fact]
    public void TheStaticStepIsTheEdgeStepAndTheGoldenCodesAreRoundOfXOverIt()
    {
        var (q, data) = Model();
        AsqCalibration.Calibrate(q, data);
        float step = 0.1f * 1.3f;
        var src = FakeQuantSource.From(q, "t", 1.0 / 256);
        var fc1 = (DenseSource)src.Nodes[0];
        var fc2 = (DenseSource)src.Nodes[1];
        Assert.Equal(step, fc1.OutputStep, 6);
        Assert.Equal(step, fc2.InputStep, 6);
        var g = PassPipeline.Run(Freezer.Freeze(src), PassPipeline.Default(16));
        Assert.Equal(step, g.Node("fc1").OutScale, 6);
        // x0 = 102/255 = 0.4: round(0.4 / 0.13) = round(3.08) = 3; x0 = 0.2: round(1.54) = 2. The other codes are 0.
        var sim = new GoldenSimulator(g);
        int fc1Index = Array.FindIndex(g.Nodes, n => n.Name == "fc1");
        Assert.Equal([3L, 0, 0, 0], sim.Run([102, 0, 0, 0], 0)[fc1Index]);
        Assert.Equal([2L, 0, 0, 0], sim.Run([51, 0, 0, 0], 1)[fc1Index]);

        // The static fake-quant forward gives the same codes times the static step; the dynamic one its own beta:
        // 0.4 / (0.1 * 1.4) = 2.86 -> 3 * 0.14, and 0.2 / (0.1 * 1.2) = 1.67 -> 2 * 0.12.
        using var ng = Tensor.NoGrad();
        var asq = q.AsqQuantizers().Single().Quantizer;
        var x = new Tensor([2, 4], [0.4f, 0, 0, 0, 0.2f, 0, 0, 0]);
        Assert.Equal(new[] { 3 * step, 0, 0, 0, 2 * step, 0, 0, 0 }, asq.Forward(x).Data);
        asq.Static = false;
        var dyn = asq.Forward(x).Data;
        Assert.Equal(3 * 0.14f, dyn[0], 6);
        Assert.Equal(2 * 0.12f, dyn[4], 6);
    }

    [Fact]
    public void EachLayerIsCalibratedWithTheLayersBeforeItStatic()
    {
        // mlp:16-12-8-3 on 20 random 4x4 images: relu2's static beta is the mean of its adapter over the
        // inputs fc2 gets when relu1 is already static, worked here module by module.
        var fp = new LayerGraph(ModelSpec.Parse("mlp:16-12-8-3", Shape.Flat(16)), new Random(4));
        var q = new QuantGraph(fp, WeightSpec.Parse("uniform:8"), ActivationSpec.Parse("asq:3"), seed: 2);
        var rng = new Random(9);
        var pixels = new byte[20 * 16];
        rng.NextBytes(pixels);
        var data = new IdxDataset(pixels, new byte[20], 4, 4, classes: 3);
        var x = new Tensor([20, 16], pixels.Select(b => b / 255f).ToArray());
        foreach (var l in q.AsqQuantizers().SelectMany(a => a.Quantizer.Adapter.Layers))
            for (int i = 0; i < l.Weight.Numel; i++) l.Weight.Data[i] = (float)(rng.NextDouble() - 0.5) * 2; // beta well away from 1
        q.Forward(x); // training mode: sets the steps
        var (fc1, r1, fc2, r2) = ((QuantLinear)q.Nodes[0].Module, (AsqActivationQuantizer)q.Nodes[1].Module, (QuantLinear)q.Nodes[2].Module, (AsqActivationQuantizer)q.Nodes[3].Module);
        q.Eval();
        double MeanBeta2(bool relu1Static)
        {
            using var ng = Tensor.NoGrad();
            fc1.InputStep = 1.0 / 255;
            r1.Static = relu1Static;
            var h1 = r1.Forward(fc1.Forward(x));
            fc2.InputStep = relu1Static ? r1.StaticStep : null;
            var beta = r2.Adapter.Forward(fc2.Forward(h1));
            return beta.Data.AsSpan(0, 20).ToArray().Average(v => (double)v);
        }
        var (betas, _) = AsqCalibration.Calibrate(q, data);
        Assert.Equal(r1.StaticBeta.Data[0], (float)betas[0].Beta);
        double expected = MeanBeta2(relu1Static: true);
        Assert.Equal(expected, r2.StaticBeta.Data[0], 5);
        double allDynamic = MeanBeta2(relu1Static: false);
        Assert.True(Math.Abs(allDynamic - expected) > 1e-4, $"relu1's static form changes nothing here ({allDynamic} vs {expected}); the test would not tell the orders apart");
    }

    [Fact]
    public void AnUncalibratedAsqModelHasNoEdgeStepAndDoesNotFreeze()
    {
        var (q, _) = Model();
        Assert.Null(q.EdgeSteps()[0]);
        var e = Assert.Throws<QuantHdl.Compiler.Ir.IrException>(() => FakeQuantSource.From(q, "t", 1.0 / 256));
        Assert.Equal("node relu1: its ASQ static beta is not calibrated; AsqCalibration (run at the end of qat) folds beta into the step (docs/asq.md)", e.Message);
    }
}
