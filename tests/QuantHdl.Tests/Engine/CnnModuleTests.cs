using QuantHdl.Artifacts;
using QuantHdl.Engine.Data;
using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Optim;
using QuantHdl.Engine.Tensors;
using Xunit;

namespace QuantHdl.Tests.Engine;

/// <summary>The convolutional modules, their checkpointed buffers, and the image-shaped data loader.</summary>
public sealed class CnnModuleTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "quanthdl-cnn-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>LeNet-5 for 28x28 inputs: conv 6@5x5, max pool 2, conv 16@5x5, max pool 2, fc 120, fc 84, fc 10, ReLU.</summary>
    internal static Sequential LeNet5(Random rng) => new(
        new Conv2d(1, 6, 5, rng), new ReLU(), new MaxPool2d(2),
        new Conv2d(6, 16, 5, rng), new ReLU(), new MaxPool2d(2),
        new Flatten(),
        new Linear(16 * 4 * 4, 120, rng), new ReLU(), new Linear(120, 84, rng), new ReLU(), new Linear(84, 10, rng));

    [Fact]
    public void Conv2dInitMatchesPyTorchBounds()
    {
        var conv = new Conv2d(6, 16, 5, new Random(2));
        Assert.Equal(new[] { 16, 6, 5, 5 }, conv.Weight.Shape);
        Assert.Equal(new[] { 16 }, conv.Bias!.Shape);
        float bound = (float)(1 / Math.Sqrt(150));
        Assert.All(conv.Weight.Data, w => Assert.InRange(w, -bound, bound));
        Assert.All(conv.Bias.Data, b => Assert.InRange(b, -bound, bound));
        Assert.True(conv.Weight.Data.Max() > 0.9f * bound && conv.Weight.Data.Min() < -0.9f * bound);
        var dw = new Conv2d(8, 8, 3, new Random(2), padding: 1, groups: 8, bias: false);
        Assert.Equal(new[] { 8, 1, 3, 3 }, dw.Weight.Shape);
        Assert.Null(dw.Bias);
        Assert.Throws<ArgumentException>(() => new Conv2d(6, 4, 3, new Random(1), groups: 4));
    }

    [Fact]
    public void LeNet5TrainsOnImageBatches()
    {
        var rng = new Random(5);
        var model = LeNet5(rng);
        var x = GradCheck.Rand(rng, 8, 1, 28, 28);
        var labels = Enumerable.Range(0, 8).Select(i => i % 10).ToArray();
        var opt = new Adam(model.Parameters(), 3e-3);
        double first = 0, last = 0;
        for (int step = 0; step < 40; step++)
        {
            using var scope = Tensor.StepScope();
            opt.ZeroGrad();
            var logits = model.Forward(x);
            Assert.Equal(new[] { 8, 10 }, logits.Shape);
            var loss = Ops.CrossEntropy(logits, labels);
            loss.Backward();
            opt.Step();
            if (step == 0) first = loss.Item();
            last = loss.Item();
        }
        Assert.True(last < 0.5 * first, $"loss {first} -> {last}: 40 Adam steps on one batch should overfit it");
    }

    [Fact]
    public void FusedConvReluInSequentialMatchesLayerByLayer()
    {
        var model = LeNet5(new Random(6));
        var x = GradCheck.Rand(new Random(7), 3, 1, 28, 28);
        var fused = model.Forward(x);
        Ops.Sum(fused).Backward();
        var grads = model.Parameters().Select(p => p.Grad!.ToArray()).ToArray();
        model.ZeroGrad();
        Tensor y = x;
        foreach (var m in model) y = m.Forward(y);
        Ops.Sum(y).Backward();
        Assert.Equal(y.Data, fused.Data);
        var ps = model.Parameters().ToArray();
        for (int i = 0; i < ps.Length; i++) Assert.Equal(grads[i], ps[i].Grad);
    }

    [Fact]
    public void CheckpointSavesAndRestoresBatchNormRunningStatistics()
    {
        var model = new Sequential(new Conv2d(1, 3, 3, new Random(1)), new BatchNorm2d(3), new ReLU(), new GlobalAvgPool2d(), new Flatten());
        var x = GradCheck.Rand(new Random(2), 4, 1, 5, 5);
        model.Forward(x); // one training step moves the running statistics away from (0, 1)
        var bn = (BatchNorm2d)model[1];
        var info = new CheckpointInfo("float", "test", null, null, 0, 1, 4, 1e-3, 0, null, null, [], "");
        var saved = Checkpoint.Save(_dir, model, info);
        Assert.Equal(new[] { "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var" }, saved.Tensors.Select(t => t.Name));

        var copy = new Sequential(new Conv2d(1, 3, 3, new Random(9)), new BatchNorm2d(3), new ReLU(), new GlobalAvgPool2d(), new Flatten());
        var (readInfo, data) = Checkpoint.Read(_dir);
        Checkpoint.LoadInto(copy, readInfo, data, _dir);
        var bnCopy = (BatchNorm2d)copy[1];
        Assert.Equal(bn.RunningMean.Data, bnCopy.RunningMean.Data);
        Assert.Equal(bn.RunningVar.Data, bnCopy.RunningVar.Data);
        Assert.NotEqual(new[] { 0f, 0f, 0f }, bnCopy.RunningMean.Data);
        model.Eval();
        copy.Eval();
        Assert.Equal(model.Forward(x).Data, copy.Forward(x).Data);
    }

    [Fact]
    public void ModelWithoutBuffersSavesOnlyParameters()
    {
        var model = NnTests.Mlp(1, 6, 4, 3, 2);
        Assert.Empty(model.NamedBuffers());
        var info = new CheckpointInfo("float", "test", null, null, 0, 1, 4, 1e-3, 0, null, null, [], "");
        var saved = Checkpoint.Save(_dir, model, info);
        Assert.Equal(model.NamedParameters().Select(p => p.Name), saved.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void LoaderHandsImagesAsNchwWithTheSameValues()
    {
        int count = 5, rows = 3, cols = 4;
        var pixels = Enumerable.Range(0, count * rows * cols).Select(i => (byte)(i * 7 % 256)).ToArray();
        var ds = new IdxDataset(pixels, Enumerable.Range(0, count).Select(i => (byte)(i % 3)).ToArray(), rows, cols);
        var flat = new DataLoader(ds, 2, shuffle: true, seed: 4).Select(b => (b.X.Shape.ToArray(), b.X.Data.ToArray(), b.Labels.ToArray())).ToList();
        var images = new DataLoader(ds, 2, shuffle: true, seed: 4, asImages: true).Select(b => (b.X.Shape.ToArray(), b.X.Data.ToArray(), b.Labels.ToArray())).ToList();
        Assert.Equal(3, images.Count);
        Assert.Equal(new[] { 2, 12 }, flat[0].Item1);
        Assert.Equal(new[] { 2, 1, 3, 4 }, images[0].Item1);
        Assert.Equal(new[] { 1, 1, 3, 4 }, images[2].Item1); // the smaller last batch keeps the image shape
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(flat[i].Item2, images[i].Item2);
            Assert.Equal(flat[i].Item3, images[i].Item3);
        }
        // A conv model evaluates through the same image-shaped batches (and in eval mode).
        var convNet = new Sequential(new Conv2d(1, 2, 3, new Random(3)), new BatchNorm2d(2), new GlobalAvgPool2d(), new Flatten());
        var predicted = QuantHdl.Engine.Training.Trainer.Predict(convNet, ds, 2, asImages: true);
        Assert.Equal(count, predicted.Length);
        Assert.True(convNet.Training);
        Assert.Throws<ArgumentException>(() => QuantHdl.Engine.Training.Trainer.Predict(convNet, ds, 2));
        // Pixel (r, c) of a sample lands at [b, 0, r, c] with value pixel / 255.
        var first = new DataLoader(ds, 5, shuffle: false, seed: 0, asImages: true).First();
        Assert.Equal(pixels[2 * 12 + 1 * 4 + 3] / 255f, first.X.Data[((2 * 1 + 0) * 3 + 1) * 4 + 3]);
    }
}
