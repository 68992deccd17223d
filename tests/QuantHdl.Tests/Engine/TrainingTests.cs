using QuantHdl.Engine.Data;
using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Optim;
using QuantHdl.Engine.Tensors;
using QuantHdl.Engine.Training;
using Xunit;

namespace QuantHdl.Tests.Engine;

public class TrainingTests
{
    /// <summary>4 classes of 4x4 images: class c lights up quadrant c, plus noise.</summary>
    internal static IdxDataset Quadrants(int count, int seed)
    {
        var rng = new Random(seed);
        var images = new byte[count * 16];
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            int c = rng.Next(4);
            labels[i] = (byte)c;
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 4; x++)
                {
                    bool on = (y / 2) * 2 + x / 2 == c;
                    images[i * 16 + y * 4 + x] = (byte)((on ? 160 : 0) + rng.Next(96));
                }
        }
        return new IdxDataset(images, labels, 4, 4);
    }

    private static (Sequential Model, List<EpochStats> Stats) Run(int seed, int epochs)
    {
        var ds = Quadrants(512, 1);
        var model = NnTests.Mlp(seed, 16, 32, 16, 4);
        var opt = new Adam(model.Parameters(), lr: 1e-2);
        var loader = new DataLoader(ds, 32, shuffle: true, seed: seed);
        var stats = new List<EpochStats>();
        for (int e = 0; e < epochs; e++) stats.Add(Trainer.TrainEpoch(model, loader, opt));
        return (model, stats);
    }

    [Fact]
    public void LossDecreasesAndAccuracyRises()
    {
        var ds = Quadrants(512, 1);
        var model = NnTests.Mlp(3, 16, 32, 16, 4);
        double before = Trainer.Evaluate(model, ds);
        var (trained, stats) = Run(3, 4);
        Assert.True(stats[^1].MeanLoss < stats[0].MeanLoss * 0.5, $"loss {stats[0].MeanLoss} -> {stats[^1].MeanLoss}");
        double after = Trainer.Evaluate(trained, Quadrants(256, 2));
        Assert.True(after > 0.95, $"accuracy {before} -> {after}");
        Assert.Equal(512, stats[0].Images);
        Assert.Equal(16, stats[0].Batches);
    }

    [Fact]
    public void SameSeedGivesBitIdenticalWeights()
    {
        var a = Run(11, 2).Model.Parameters().Select(p => p.Data).ToArray();
        var b = Run(11, 2).Model.Parameters().Select(p => p.Data).ToArray();
        var c = Run(12, 2).Model.Parameters().Select(p => p.Data).ToArray();
        for (int i = 0; i < a.Length; i++)
            Assert.True(a[i].AsSpan().SequenceEqual(b[i]), $"parameter {i} differs between identical runs");
        Assert.False(a[0].AsSpan().SequenceEqual(c[0]));
    }

    [Fact]
    public void EvaluateRestoresModeAndRecordsNoGraph()
    {
        var model = NnTests.Mlp(1, 16, 8, 8, 4);
        var ds = Quadrants(100, 3);
        model.Train();
        Trainer.Evaluate(model, ds, batchSize: 33);
        Assert.True(model.Training);
        model.Eval();
        Trainer.Evaluate(model, ds);
        Assert.False(model.Training);
        Assert.All(model.Parameters(), p => Assert.Null(p.Grad));
        Assert.Equal(100, Trainer.Predict(model, ds, 7).Length);
    }

    [Fact]
    public void CallbacksSeeEveryBatch()
    {
        var model = NnTests.Mlp(1, 16, 8, 8, 4);
        var opt = new SGD(model.Parameters(), 0.1, momentum: 0.9);
        var sched = new CosineSchedule(opt, 10);
        var seen = new List<int>();
        Trainer.TrainEpoch(model, new DataLoader(Quadrants(100, 3), 10, true, 1), opt,
            onBatch: (i, n, loss) => { Assert.Equal(10, n); Assert.True(double.IsFinite(loss)); seen.Add(i); },
            afterStep: sched.Step);
        Assert.Equal(Enumerable.Range(0, 10), seen);
        Assert.Equal(0, opt.Lr, 12);
    }
}
