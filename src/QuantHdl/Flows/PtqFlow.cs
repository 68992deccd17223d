using QuantHdl.Artifacts;
using QuantHdl.Engine.Data;
using QuantHdl.Engine.Tensors;
using QuantHdl.Engine.Training;
using QuantHdl.Models;
using QuantHdl.Ptq;

namespace QuantHdl.Flows;

/// <summary>
/// The ptq stage: a float checkpoint and unlabeled calibration samples to a "qat" checkpoint that
/// compile, simulate and verify take as they take a QAT one (docs/ptq.md, "The checkpoint").
/// </summary>
public static class PtqFlow
{
    /// <summary>
    /// Quantizes the float checkpoint <paramref name="fromDir"/> with <paramref name="o"/> on the first
    /// <see cref="PtqOptions.Calibration"/> training images of <paramref name="dataDir"/> and writes the
    /// checkpoint to <paramref name="outDir"/> (the rules of <see cref="OutputDirectory"/>). Bad options, a
    /// checkpoint that is already quantized and a calibration count beyond the training set throw before
    /// anything is written.
    /// </summary>
    public static CheckpointInfo Run(string fromDir, PtqOptions o, string outDir, string dataDir, IFlowReporter r, bool force = false)
    {
        o.Check();
        OutputDirectory.CheckTarget(outDir, ArtifactKind.CheckpointQat, force, fromDir, dataDir);
        var (fpInfo, fp) = LoadFloat(fromDir);
        var (train, test) = TrainFlow.LoadData(dataDir, fp.Spec);
        if (o.Calibration > train.Count)
            throw new ArgumentException($"--calib {o.Calibration} is more than the {train.Count} training images in {dataDir}");
        using var dir = OutputDirectory.Begin(outDir, ArtifactKind.CheckpointQat, force, fromDir, dataDir);
        var started = DateTime.UtcNow;
        var result = PtqPipeline.Run(fp, Calibration(train, o.Calibration, fp.TakesImages), o, r.Progress);
        double seconds = (DateTime.UtcNow - started).TotalSeconds;
        foreach (var line in result.Log) r.Info(line);
        double acc = Trainer.Evaluate(result.Model, test, asImages: result.Model.TakesImages);
        r.Info($"ptq {fpInfo.Model} weights {o.Weights} acts {o.Activations}: fake-quant test accuracy {acc:P2} (float {fpInfo.TestAccuracy:P2}) in {seconds:F1} s");
        var info = Checkpoint.Save(dir.StagingPath, result.Model, new CheckpointInfo("qat", fpInfo.Model, o.Weights.ToString(), o.Activations.ToString(), o.Seed, 0, 0, 0, acc,
            result.LogitStep, Path.GetFullPath(fromDir), [], "") { Input = fpInfo.Input, Deployment = o.Deployment, Ptq = o.Summary() });
        dir.Commit();
        return info;
    }

    /// <summary>The float checkpoint, refusing a quantized one by name.</summary>
    public static (CheckpointInfo Info, LayerGraph Model) LoadFloat(string fromDir)
    {
        var (info, _) = Checkpoint.Read(fromDir);
        if (info.Kind != "float")
            throw new CheckpointException($"checkpoint '{fromDir}' is already quantized ({(info.Ptq is null ? "qat" : "ptq")}, weights {info.Weights}); ptq takes the float output of 'quanthdl train'");
        return ModelStore.LoadFloatGraph(fromDir);
    }

    /// <summary>The first <paramref name="count"/> training images as one batch (pixel / 255); their labels are not read.</summary>
    public static Tensor Calibration(IdxDataset train, int count, bool asImages)
    {
        var batch = new DataLoader(train.Take(count), count, shuffle: false, seed: 0, asImages).First();
        return batch.X.Clone();
    }
}
