using QuantHdl.Checkpoints;
using QuantHdl.Data;
using QuantHdl.Ir;
using QuantHdl.Models;
using QuantHdl.Nn;
using QuantHdl.Optim;
using QuantHdl.Quant;
using QuantHdl.Training;

namespace QuantHdl.Flow;

/// <summary>Options shared by float training and QAT.</summary>
public sealed record TrainOptions(int Epochs, int Seed = 0, int BatchSize = 64, double Lr = 1e-3, string DataDir = IdxDataset.DefaultDataDir)
{
    /// <summary>QAT only: learning rate of the quantizer scales relative to the weights' (see <see cref="QatOptimizer"/>).</summary>
    public double ScaleLrFactor { get; init; } = 1.0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad value.</summary>
    public void Check()
    {
        if (Epochs < 0 || Epochs > 1000) throw new ArgumentException($"--epochs {Epochs} is out of range 0..1000");
        if (BatchSize < 1 || BatchSize > 65536) throw new ArgumentException($"--batch-size {BatchSize} is out of range 1..65536");
        if (!(Lr > 0) || Lr > 10) throw new ArgumentException($"--lr {Lr} must be in (0, 10]");
    }
}

/// <summary>The train and qat stages: each writes one checkpoint directory, atomically.</summary>
public static class TrainFlow
{
    /// <summary>
    /// Trains a float MLP with Adam and writes a "float" checkpoint to <paramref name="outDir"/>, which must
    /// not exist or be empty; with <paramref name="force"/> it may also be a float checkpoint QuantHdl wrote
    /// (see <see cref="OutputDirectory"/>).
    /// </summary>
    public static CheckpointInfo TrainFloat(MlpSpec spec, TrainOptions o, string outDir, IFlowReporter r, bool force = false)
    {
        o.Check();
        // Staged before training, so that a refused --out costs nothing and an interrupt finds the folder.
        using var dir = OutputDirectory.Begin(outDir, ArtifactKind.CheckpointFloat, force, o.DataDir);
        var (train, test) = LoadData(o.DataDir, spec.Sizes[0], spec.Sizes[^1]);
        var model = spec.BuildFloat(new Random(o.Seed));
        var opt = new Adam(model.Parameters(), o.Lr);
        RunEpochs("train", model, opt, train, test, o, r, schedule: null);
        double acc = Trainer.Evaluate(model, test);
        r.Info($"float {spec}: test accuracy {acc:P2} after {o.Epochs} epochs");
        var info = Checkpoint.Save(dir.StagingPath, model, new CheckpointInfo("float", spec.ToString(), null, null, o.Seed, o.Epochs, o.BatchSize, o.Lr, acc, null, null, [], ""));
        dir.Commit();
        return info;
    }

    /// <summary>
    /// Quantization-aware training from a float checkpoint: Adam with a cosine schedule, then the
    /// logit scale is calibrated; writes a "qat" checkpoint to <paramref name="outDir"/> (rules of
    /// <see cref="TrainFloat"/>; never the <paramref name="fromDir"/> itself).
    /// </summary>
    public static CheckpointInfo Qat(string fromDir, WeightSpec w, ActivationSpec a, TrainOptions o, string outDir, IFlowReporter r, bool force = false)
    {
        o.Check();
        using var dir = OutputDirectory.Begin(outDir, ArtifactKind.CheckpointQat, force, fromDir, o.DataDir);
        var (fpInfo, spec, fp) = ModelStore.LoadFloat(fromDir);
        var (train, test) = LoadData(o.DataDir, spec.Sizes[0], spec.Sizes[^1]);
        var model = new QuantMlp(spec, fp, w, a);
        var opt = new QatOptimizer(model.WeightParameters(), model.ScaleParameters(), o.Lr, o.ScaleLrFactor);
        var loaderSteps = (train.Count + o.BatchSize - 1) / o.BatchSize;
        var schedule = new CosineSchedule(opt, Math.Max(1, loaderSteps * o.Epochs));
        RunEpochs("qat", model, opt, train, test, o, r, schedule);
        if (o.Epochs == 0) InitialiseActivations(model, train, o);
        double acc = Trainer.Evaluate(model, test);
        double logitStep = model.CalibrateLogitStep(train);
        r.Info($"qat {spec} weights {w} acts {a}: test accuracy {acc:P2} (float parent {fpInfo.TestAccuracy:P2})");
        var info = Checkpoint.Save(dir.StagingPath, model, new CheckpointInfo("qat", spec.ToString(), w.ToString(), a.ToString(), o.Seed, o.Epochs, o.BatchSize, o.Lr, acc, logitStep, Path.GetFullPath(fromDir), [], ""));
        dir.Commit();
        return info;
    }

    /// <summary>Loads the train and test splits and checks they fit the model.</summary>
    public static (IdxDataset Train, IdxDataset Test) LoadData(string dataDir, int inputs, int classes)
    {
        var train = IdxDataset.Load(dataDir, train: true);
        var test = IdxDataset.Load(dataDir, train: false);
        if (train.Features != inputs)
            throw new ArgumentException($"the model takes {inputs} inputs but images in {dataDir} have {train.Features} pixels ({train.Rows}x{train.Cols})");
        if (train.Classes > classes)
            throw new ArgumentException($"the model has {classes} outputs but {dataDir} has {train.Classes} classes");
        return (train, test);
    }

    private static void RunEpochs(string label, Module model, Optimizer opt, IdxDataset train, IdxDataset test, TrainOptions o, IFlowReporter r, CosineSchedule? schedule)
    {
        for (int e = 0; e < o.Epochs; e++)
        {
            var loader = new DataLoader(train, o.BatchSize, shuffle: true, seed: o.Seed * 1000 + e);
            EpochStats stats = default!;
            r.Progress($"{label} epoch {e + 1}/{o.Epochs}", loader.BatchCount, advance =>
            {
                stats = Trainer.TrainEpoch(model, loader, opt, (_, _, _) => advance(1), schedule is null ? null : schedule.Step, epoch: e + 1);
            });
            double acc = Trainer.Evaluate(model, test);
            r.Info($"{label} epoch {e + 1}/{o.Epochs}: loss {stats.MeanLoss:F4}, train acc {stats.TrainAccuracy:P2}, test acc {acc:P2}, {stats.ImagesPerSecond:F0} images/s");
        }
    }

    private static void InitialiseActivations(QuantMlp model, IdxDataset train, TrainOptions o)
    {
        // Zero QAT epochs still needs activation steps: one forward pass in training mode sets them.
        var batch = new DataLoader(train, o.BatchSize, shuffle: false, seed: 0).First();
        using var step = Tensors.Tensor.StepScope();
        using var ng = Tensors.Tensor.NoGrad();
        model.Train();
        model.Forward(batch.X);
        model.Eval();
    }
}
