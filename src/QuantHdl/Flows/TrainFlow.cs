using QuantHdl.Artifacts;
using QuantHdl.Engine.Data;
using QuantHdl.Compiler.Ir;
using QuantHdl.Models;
using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Optim;
using QuantHdl.Quantization;
using QuantHdl.Engine.Training;
using QuantHdl.Arithmetic;
using QuantHdl.Engine.Tensors;

namespace QuantHdl.Flows;

/// <summary>Options shared by float training and QAT.</summary>
public sealed record TrainOptions(int Epochs, int Seed = 0, int BatchSize = 64, double Lr = 1e-3, string DataDir = IdxDataset.DefaultDataDir)
{
    /// <summary>QAT only: learning rate of the quantizer scales relative to the weights' (see <see cref="QatOptimizer"/>).</summary>
    public double ScaleLrFactor { get; init; } = 1.0;

    /// <summary>QAT with ASQ only: training images whose mean beta becomes each layer's static beta (docs/asq.md).</summary>
    public int AsqCalibrationImages { get; init; } = AsqCalibration.DefaultImages;

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad value.</summary>
    public void Check()
    {
        if (Epochs < 0 || Epochs > 1000) throw new ArgumentException($"--epochs {Epochs} is out of range 0..1000");
        if (BatchSize < 1 || BatchSize > 65536) throw new ArgumentException($"--batch-size {BatchSize} is out of range 1..65536");
        if (!(Lr > 0) || Lr > 10) throw new ArgumentException($"--lr {Lr} must be in (0, 10]");
        AsqCalibration.CheckImages(AsqCalibrationImages);
    }
}

/// <summary>What <see cref="TrainFlow.QatModel"/> returns: the trained net, its test accuracy, its calibrated logit step, for BWRF the pair and its measured cost per step, and for ASQ the static calibration (docs/asq.md).</summary>
public sealed record QatRun(QuantGraph Model, double Accuracy, double LogitStep, BlockReplacement? Replacement, StepCost? Cost, AsqCalibrationInfo? Asq = null);

/// <summary>The train and qat stages: each writes one checkpoint directory, atomically.</summary>
public static class TrainFlow
{
    /// <summary>
    /// Trains a float MLP with Adam and writes a "float" checkpoint to <paramref name="outDir"/>, which must
    /// not exist or be empty; with <paramref name="force"/> it may also be a float checkpoint QuantHdl wrote
    /// (see <see cref="OutputDirectory"/>).
    /// </summary>
    public static CheckpointInfo TrainFloat(MlpSpec spec, TrainOptions o, string outDir, IFlowReporter r, bool force = false) =>
        TrainFloat(spec.ToString(), o, outDir, r, force);

    /// <summary>
    /// Trains the float model <paramref name="model"/> (<c>mlp:...</c>, <c>lenet5</c> or <c>cnn:SPEC</c>,
    /// docs/models.md) with Adam and writes a "float" checkpoint (rules of the <see cref="MlpSpec"/>
    /// overload). The spec is parsed and its shapes checked against the data set's 1 x rows x cols
    /// samples before any training; a bad spec throws <see cref="ArgumentException"/> and leaves nothing.
    /// Every model trains as a <see cref="LayerGraph"/>: an <c>mlp:</c> one on flat [N, H*W] batches (its
    /// checkpoint stores no input shape, the spec names its size), any other on [N, 1, H, W] batches,
    /// saved with its input shape and batch-norm buffers.
    /// </summary>
    public static CheckpointInfo TrainFloat(string model, TrainOptions o, string outDir, IFlowReporter r, bool force = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        o.Check();
        // Staged before training, so that a refused --out costs nothing and an interrupt finds the folder.
        using var dir = OutputDirectory.Begin(outDir, ArtifactKind.CheckpointFloat, force, o.DataDir);
        var train = IdxDataset.Load(o.DataDir, train: true);
        var test = IdxDataset.Load(o.DataDir, train: false);
        model = ModelText(model);
        var spec = ModelSpec.Parse(model, SampleShape(train));
        CheckClasses(spec.Classes, train, o.DataDir);
        var info = ModelStore.IsMlpText(model)
            ? new CheckpointInfo("float", MlpSpec.Parse(model.Trim()).ToString(), null, null, o.Seed, o.Epochs, o.BatchSize, o.Lr, 0, null, null, [], "")
            : new CheckpointInfo("float", model.Trim(), null, null, o.Seed, o.Epochs, o.BatchSize, o.Lr, 0, null, null, [], "") { Input = spec.Input.Text };
        var (net, acc) = TrainFloatModel(spec, train, test, o, r);
        r.Info($"float {ModelSpec.Label(info.Model)}: test accuracy {acc:P2} after {o.Epochs} epochs");
        var saved = Checkpoint.Save(dir.StagingPath, net, info with { TestAccuracy = acc });
        dir.Commit();
        return saved;
    }

    /// <summary>
    /// Quantization-aware training from a float checkpoint: Adam with a cosine schedule (weights and
    /// quantizer scales apart, <see cref="QatOptimizer"/>), then the logit scale is calibrated; writes a
    /// "qat" checkpoint to <paramref name="outDir"/> (rules of <see cref="TrainFloat(MlpSpec, TrainOptions, string, IFlowReporter, bool)"/>;
    /// never the <paramref name="fromDir"/> itself). The float layer graph has its batch norms folded into
    /// their convs (<see cref="BatchNormFolder"/>) and becomes a <see cref="QuantGraph"/>, trained on flat
    /// batches for an <c>mlp:</c> model and on image batches otherwise. <paramref name="deployment"/> (the
    /// defaults when null) sets the F every layer's bias grid uses and the widths the capacity checks
    /// assume; it is saved in the checkpoint, and compile freezes with it. An out-of-range value throws
    /// <see cref="ArgumentException"/> before anything is written.
    /// </summary>
    /// <remarks>
    /// With <paramref name="bwrf"/>, QAT trains by block-wise replacement (docs/bwrf.md): the float
    /// checkpoint <paramref name="fromDir"/>, BN-folded and frozen, is the partner of the quantized net,
    /// and each batch's loss is <see cref="BlockReplacement.Loss"/>. After training, a plain QAT step and a
    /// BWRF step are timed on the same batches; the cost is printed and stored in the checkpoint
    /// (<see cref="CheckpointInfo.Bwrf"/>). A PTQ checkpoint as <paramref name="fromDir"/> is refused (it has no float partner).
    /// </remarks>
    public static CheckpointInfo Qat(string fromDir, WeightSpec w, ActivationSpec a, TrainOptions o, string outDir, IFlowReporter r, bool force = false, DeploymentSettings? deployment = null, BwrfOptions? bwrf = null)
    {
        o.Check();
        bwrf?.Check();
        var deploy = (deployment ?? DeploymentSettings.Default).Check();
        using var dir = OutputDirectory.Begin(outDir, ArtifactKind.CheckpointQat, force, fromDir, o.DataDir);
        var (fpInfo, model) = ModelStore.QatStart(fromDir, w, a, deploy, o.Seed);
        LayerGraph? partner = null;
        if (bwrf is not null)
        {
            if (fpInfo.Kind != "float")
                throw new ArgumentException($"--bwrf needs a float checkpoint as --from, its frozen full-precision partner; '{fromDir}' is a {(fpInfo.Ptq is null ? fpInfo.Kind : "ptq")} checkpoint");
            partner = BatchNormFolder.Fold(ModelStore.LoadFloatGraph(fromDir).Model);
        }
        var (train, test) = LoadData(o.DataDir, model.Spec);
        var run = QatModel(model, partner, train, test, o, r, bwrf);
        BwrfInfo? bwrfInfo = run.Cost is { } cost
            ? new BwrfInfo(run.Replacement!.Blocks.Select(b => string.Join(",", b)).ToArray(), bwrf!.Temperature, bwrf.CeWeight, bwrf.KlWeight, bwrf.QKlWeight,
                cost.PlainSeconds, cost.BwrfSeconds, cost.Ratio, cost.Bound)
            : null;
        double acc = run.Accuracy, logitStep = run.LogitStep;
        var asq = run.Asq;
        r.Info($"qat{(bwrf is null ? "" : "+bwrf")} {ModelSpec.Label(fpInfo.Model)} weights {w} acts {a}: test accuracy {acc:P2}{(asq is null ? "" : $" (dynamic ASQ; static {asq.StaticTestAccuracy:P2})")} (float parent {fpInfo.TestAccuracy:P2})");
        var info = Checkpoint.Save(dir.StagingPath, model, new CheckpointInfo("qat", fpInfo.Model, w.ToString(), a.ToString(), o.Seed, o.Epochs, o.BatchSize, o.Lr, acc, logitStep, Path.GetFullPath(fromDir), [], "") { Input = fpInfo.Input, Deployment = deploy, Bwrf = bwrfInfo, Asq = asq });
        dir.Commit();
        return info;
    }

    /// <summary>
    /// Float training in memory, the core of <see cref="TrainFloat(string, TrainOptions, string, IFlowReporter, bool)"/>:
    /// a <see cref="LayerGraph"/> of <paramref name="spec"/> drawn from <paramref name="o"/>'s seed, trained with Adam
    /// on <paramref name="train"/>; returns it with its accuracy on <paramref name="test"/>. Epoch progress is
    /// labelled <paramref name="label"/>.
    /// </summary>
    public static (LayerGraph Model, double Accuracy) TrainFloatModel(ModelSpec spec, IdxDataset train, IdxDataset test, TrainOptions o, IFlowReporter r, string label = "train")
    {
        o.Check();
        var net = new LayerGraph(spec, new Random(o.Seed));
        var opt = new Adam(net.Parameters(), o.Lr);
        RunEpochs(label, net, opt, train, test, o, r, schedule: null, net.TakesImages);
        return (net, Trainer.Evaluate(net, test, asImages: net.TakesImages));
    }

    /// <summary>
    /// QAT in memory, the core of <see cref="Qat"/>: trains <paramref name="model"/> in place (Adam with a cosine
    /// schedule, <see cref="QatOptimizer"/>), by block-wise replacement with <paramref name="partner"/> (the
    /// BN-folded float graph <paramref name="model"/> was built from; docs/bwrf.md) when <paramref name="bwrf"/> is
    /// set, then measures the BWRF cost per step, and calibrates the logit step. Epoch progress is labelled
    /// <paramref name="label"/>.
    /// </summary>
    public static QatRun QatModel(QuantGraph model, LayerGraph? partner, IdxDataset train, IdxDataset test, TrainOptions o, IFlowReporter r, BwrfOptions? bwrf = null, string label = "qat")
    {
        o.Check();
        BlockReplacement? replacement = null;
        if (bwrf is not null)
        {
            replacement = new BlockReplacement(model, partner ?? throw new ArgumentException("BWRF needs the float partner of the model"), bwrf);
            r.Info($"bwrf: {replacement.Blocks.Count} blocks [{string.Join("] [", replacement.Blocks.Select(b => string.Join(" ", b)))}], {replacement.Blocks.Count - 1} mixed paths; {bwrf}");
        }
        bool images = model.TakesImages;
        var opt = new QatOptimizer(model.WeightParameters(), model.ScaleParameters(), o.Lr, o.ScaleLrFactor);
        var loaderSteps = (train.Count + o.BatchSize - 1) / o.BatchSize;
        var schedule = new CosineSchedule(opt, Math.Max(1, loaderSteps * o.Epochs));
        RunEpochs(replacement is null ? label : label + "+bwrf", model, opt, train, test, o, r, schedule, images, replacement is null ? null : replacement.Loss);
        if (o.Epochs == 0) InitialiseActivations(model, train, o, images);
        StepCost? cost = null;
        if (replacement is not null)
        {
            // Timed after training, when every quantizer is initialised; it changes no parameter.
            cost = replacement.MeasureCost(train, o.BatchSize);
            r.Info($"bwrf cost: {cost.BwrfSeconds * 1000:F1} ms per step against {cost.PlainSeconds * 1000:F1} ms for plain QAT, {cost.Ratio:F2}x (bound {cost.Bound:F0}x = blocks + 2{(cost.Ratio < cost.Bound ? "" : "; EXCEEDED")}; median of {bwrf!.CostSteps} batches, forward + loss + backward)");
        }
        double acc = Trainer.Evaluate(model, test, asImages: images);
        // ASQ: beta becomes a constant first, so that the logit step is calibrated on the deployed form.
        var asq = model.AsqQuantizers().Any() ? CalibrateAsq(model, train, test, o, r, images) : null;
        double logitStep = LogitCalibration.Step(model, train, images);
        return new QatRun(model, acc, logitStep, replacement, cost, asq);
    }

    private static AsqCalibrationInfo CalibrateAsq(QuantGraph model, IdxDataset train, IdxDataset test, TrainOptions o, IFlowReporter r, bool images)
    {
        var (betas, used) = AsqCalibration.Calibrate(model, train, o.AsqCalibrationImages);
        double acc = Trainer.Evaluate(model, test, asImages: images);
        r.Info($"asq: static beta over {used} training images: {string.Join(", ", betas.Select(b => $"{b.Name} {b.Beta:F4}"))}");
        return new AsqCalibrationInfo(used, acc);
    }

    /// <summary>
    /// The model text to parse and store: <paramref name="model"/> itself, or, when it names a
    /// <c>.json</c> file, that file's content (stored whole in the checkpoint, so later stages need no file).
    /// Throws <see cref="ArgumentException"/> when a <c>.json</c> path cannot be read.
    /// </summary>
    public static string ModelText(string model)
    {
        var t = model.Trim();
        if (!t.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return model;
        try
        {
            return File.ReadAllText(t);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--model {t}: cannot read the JSON model file: {e.Message}");
        }
    }

    /// <summary>Loads the train and test splits and checks they fit the model.</summary>
    public static (IdxDataset Train, IdxDataset Test) LoadData(string dataDir, int inputs, int classes)
    {
        var train = IdxDataset.Load(dataDir, train: true);
        var test = IdxDataset.Load(dataDir, train: false);
        if (train.Features != inputs)
            throw new ArgumentException($"the model takes {inputs} inputs but images in {dataDir} have {train.Features} pixels ({train.Rows}x{train.Cols})");
        CheckClasses(classes, train, dataDir);
        return (train, test);
    }

    /// <summary>
    /// Loads the train and test splits and checks that their samples have the model's input shape (for a
    /// flat input, the number of features).
    /// </summary>
    public static (IdxDataset Train, IdxDataset Test) LoadData(string dataDir, ModelSpec spec)
    {
        if (spec.Input.IsFlat) return LoadData(dataDir, checked((int)spec.Input.Features), spec.Classes);
        var train = IdxDataset.Load(dataDir, train: true);
        var test = IdxDataset.Load(dataDir, train: false);
        if (SampleShape(train) != spec.Input)
            throw new ArgumentException($"the model {spec} takes {spec.Input.Text} samples but images in {dataDir} are {SampleShape(train).Text}; use the data set it was trained on");
        CheckClasses(spec.Classes, train, dataDir);
        return (train, test);
    }

    /// <summary>The shape of one sample of an IDX data set: one channel of rows x cols.</summary>
    public static Shape SampleShape(IdxDataset ds) => new(1, ds.Rows, ds.Cols);

    private static void CheckClasses(int classes, IdxDataset train, string dataDir)
    {
        if (train.Classes > classes)
            throw new ArgumentException($"the model has {classes} outputs but {dataDir} has {train.Classes} classes");
    }

    private static void RunEpochs(string label, Module model, Optimizer opt, IdxDataset train, IdxDataset test, TrainOptions o, IFlowReporter r, CosineSchedule? schedule, bool images,
        Func<Tensor, int[], (Tensor Loss, Tensor Logits)>? objective = null)
    {
        for (int e = 0; e < o.Epochs; e++)
        {
            var loader = new DataLoader(train, o.BatchSize, shuffle: true, seed: o.Seed * 1000 + e, asImages: images);
            EpochStats stats = default!;
            r.Progress($"{label} epoch {e + 1}/{o.Epochs}", loader.BatchCount, advance =>
            {
                stats = Trainer.TrainEpoch(model, loader, opt, (_, _, _) => advance(1), schedule is null ? null : schedule.Step, epoch: e + 1, objective);
            });
            double acc = Trainer.Evaluate(model, test, asImages: images);
            r.Info($"{label} epoch {e + 1}/{o.Epochs}: loss {stats.MeanLoss:F4}, train acc {stats.TrainAccuracy:P2}, test acc {acc:P2}, {stats.ImagesPerSecond:F0} images/s");
        }
    }

    private static void InitialiseActivations(Module model, IdxDataset train, TrainOptions o, bool images)
    {
        // Zero QAT epochs still needs activation steps: one forward pass in training mode sets them.
        var batch = new DataLoader(train, o.BatchSize, shuffle: false, seed: 0, asImages: images).First();
        using var step = Tensor.StepScope();
        using var ng = Tensor.NoGrad();
        model.Train();
        model.Forward(batch.X);
        model.Eval();
    }
}
