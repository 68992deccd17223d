using QuantHdl.Engine.Data;
using QuantHdl.Compiler.Ir;
using QuantHdl.Models;
using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Optim;
using QuantHdl.Quantization;
using QuantHdl.Tests.Engine;
using QuantHdl.Engine.Training;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Quant;

/// <summary>Issue 5 finding 3: a non-finite loss stops training with the epoch and the layer, before any step.</summary>
public class DivergenceTests
{
    [Fact]
    public void ANonFiniteLossNamesTheEpochAndTheLayerOfASequential()
    {
        var ds = TrainingTests.Quadrants(64, 1);
        var model = NnTests.Mlp(3, 16, 8, 4);
        var lin = (Linear)model[2];
        lin.Weight.Data[5] = float.NaN;
        var before = model.Parameters().Select(p => (float[])p.Data.Clone()).ToArray();
        var opt = new Adam(model.Parameters(), 1e-2);
        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.TrainEpoch(model, new DataLoader(ds, 16, false, 0), opt, epoch: 3));
        Assert.StartsWith("epoch 3, batch 1/4: the loss is NaN; layer 2 produced the first non-finite value (its parameter 2.weight is not finite)", e.Message);
        // Nothing was stepped: the origin is still the only non-finite value.
        var after = model.Parameters().Select(p => p.Data).ToArray();
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i]);
    }

    [Fact]
    public void ANonFiniteValueInAQatForwardNamesTheQuantLayer()
    {
        var ds = TrainingTests.Quadrants(64, 2);
        var model = new QuantGraph(TestModels.MlpGraph("mlp:16-8-6-4", 4), WeightSpec.Parse("post:4"), new ActivationSpec(4));
        var opt = new QatOptimizer(model.WeightParameters(), model.ScaleParameters(), 1e-3, 1.0);
        Trainer.TrainEpoch(model, new DataLoader(ds, 16, false, 0), opt, epoch: 1);
        // An infinite bias in fc3: every earlier stage stays finite, fc3's output (the logits) is the first that is not.
        // (In a hidden layer the activation quantizer would clamp it back into range.)
        TestModels.DenseLayers(model)[2].Bias.Data[2] = float.PositiveInfinity;
        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.TrainEpoch(model, new DataLoader(ds, 16, true, 1), opt, epoch: 2));
        Assert.StartsWith("epoch 2, batch 1/4: the loss is ", e.Message);
        Assert.Contains("layer fc3 produced the first non-finite value (its parameter fc3.bias is not finite)", e.Message);
    }

    [Fact]
    public void ANonFiniteValueInAFloatLayerGraphNamesTheConv()
    {
        var ds = TrainingTests.Quadrants(64, 3);
        var g = new LayerGraph(ModelSpec.Parse("cnn:c3k3-relu-fc4", new Shape(1, 4, 4)), new Random(2));
        var conv = (Conv2d)g.Nodes[0].Module;
        conv.Weight.Data[4] = float.NaN;
        var opt = new Adam(g.Parameters(), 1e-3);
        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.TrainEpoch(g, new DataLoader(ds, 16, false, 0, asImages: true), opt, epoch: 4));
        Assert.StartsWith("epoch 4, batch 1/4: the loss is NaN; layer conv1 produced the first non-finite value (its parameter conv1.weight is not finite)", e.Message);
    }

    [Fact]
    public void ANonFiniteValueInAQatGraphNamesTheQuantConv()
    {
        var ds = TrainingTests.Quadrants(64, 4);
        var fp = new LayerGraph(ModelSpec.Parse("cnn:c3k3-relu-fc4", new Shape(1, 4, 4)), new Random(3));
        var q = new QuantGraph(fp, WeightSpec.Parse("post:4"), new ActivationSpec(4));
        var opt = new QatOptimizer(q.WeightParameters(), q.ScaleParameters(), 1e-3, 1.0);
        Trainer.TrainEpoch(q, new DataLoader(ds, 16, false, 0, asImages: true), opt, epoch: 1);
        var conv = (QuantConv2d)q.Nodes[0].Module;
        conv.Bias.Data[1] = float.NaN;
        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.TrainEpoch(q, new DataLoader(ds, 16, true, 1, asImages: true), opt, epoch: 2));
        Assert.StartsWith("epoch 2, batch 1/4: the loss is NaN; layer conv1 produced the first non-finite value (its parameter conv1.bias is not finite)", e.Message);
    }
}
