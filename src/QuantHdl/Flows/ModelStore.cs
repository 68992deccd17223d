using QuantHdl.Artifacts;
using QuantHdl.Compiler.Ir;
using QuantHdl.Models;
using QuantHdl.Engine.Nn;
using QuantHdl.Quantization;
using QuantHdl.Arithmetic;

namespace QuantHdl.Flows;

/// <summary>
/// Rebuilds a model from a checkpoint directory. An <c>mlp:</c> checkpoint holds a <see cref="Sequential"/>
/// (float) or a <see cref="QuantMlp"/> (QAT); a <c>lenet5</c> or <c>cnn:</c> checkpoint holds a
/// <see cref="LayerGraph"/> (float, with its batch-norm buffers) or a <see cref="QuantGraph"/> of the
/// BN-folded graph (QAT), rebuilt from the model text and the stored input shape.
/// </summary>
public static class ModelStore
{
    /// <summary>True for a checkpoint of an <c>mlp:</c> model (flat batches, <see cref="MlpSpec"/>).</summary>
    public static bool IsMlp(CheckpointInfo info) => IsMlpText(info.Model);

    /// <summary>True for an <c>mlp:</c> model text.</summary>
    public static bool IsMlpText(string model) => model.TrimStart().StartsWith("mlp:", StringComparison.OrdinalIgnoreCase);

    /// <summary>Loads a float checkpoint: a <see cref="Sequential"/> for an <c>mlp:</c> model, else a <see cref="LayerGraph"/> with its batch-norm running statistics.</summary>
    public static (CheckpointInfo Info, Module Model) LoadFloatModel(string dir)
    {
        var (info, data) = Checkpoint.Read(dir);
        if (info.Kind != "float")
            throw new CheckpointException($"checkpoint '{dir}' is a {info.Kind} checkpoint; this step needs the output of 'quanthdl train'");
        Module model = IsMlp(info)
            ? ParseMlp(info, dir).BuildFloat(new Random(info.Seed))
            : new LayerGraph(ParseGraph(info, dir), new Random(info.Seed));
        Checkpoint.LoadInto(model, info, data, dir);
        return (info, model);
    }

    /// <summary>Loads a float <c>mlp:</c> checkpoint.</summary>
    public static (CheckpointInfo Info, MlpSpec Spec, Sequential Model) LoadFloat(string dir)
    {
        var (info, model) = LoadFloatModel(dir);
        return model is Sequential s
            ? (info, ParseMlp(info, dir), s)
            : throw new CheckpointException($"checkpoint '{dir}' holds {info.Model}, not an mlp: model");
    }

    /// <summary>Loads a float <c>lenet5</c> or <c>cnn:</c> checkpoint.</summary>
    public static (CheckpointInfo Info, LayerGraph Model) LoadFloatGraph(string dir)
    {
        var (info, model) = LoadFloatModel(dir);
        return model is LayerGraph g
            ? (info, g)
            : throw new CheckpointException($"checkpoint '{dir}' holds {info.Model}, an mlp: model, not a layer graph");
    }

    /// <summary>
    /// Loads a QAT checkpoint: a <see cref="QuantMlp"/> for an <c>mlp:</c> model, else a
    /// <see cref="QuantGraph"/> of the BN-folded graph.
    /// </summary>
    public static (CheckpointInfo Info, Module Model) LoadQat(string dir)
    {
        var (info, data) = Checkpoint.Read(dir);
        if (info.Kind != "qat")
            throw new CheckpointException($"checkpoint '{dir}' is a {info.Kind} checkpoint; this step needs the output of 'quanthdl qat'");
        WeightSpec w;
        ActivationSpec a;
        DeploymentSettings deploy;
        try
        {
            w = WeightSpec.Parse(info.Weights ?? "");
            a = ActivationSpec.Parse(info.Activations ?? "");
            deploy = info.DeploymentOrDefault.Check();
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException($"checkpoint '{dir}': {e.Message}");
        }
        Module model;
        if (IsMlp(info))
        {
            var spec = ParseMlp(info, dir);
            model = new QuantMlp(spec, spec.BuildFloat(new Random(info.Seed)), w, a, deploy);
        }
        else
        {
            // The folded graph's parameters are overwritten by LoadInto; folding here only fixes the structure.
            var fp = BatchNormFolder.Fold(new LayerGraph(ParseGraph(info, dir), new Random(info.Seed)));
            model = new QuantGraph(fp, w, a, deploy);
        }
        Checkpoint.LoadInto(model, info, data, dir);
        if (info.LogitStep is not > 0) throw new CheckpointException($"checkpoint '{dir}' has no calibrated logit step");
        return (info, model);
    }

    /// <summary>True when <paramref name="model"/> (from <see cref="LoadQat"/>) reads [N, 1, H, W] batches.</summary>
    public static bool TakesImages(Module model) => model is QuantGraph g && g.TakesImages;

    private static MlpSpec ParseMlp(CheckpointInfo info, string dir)
    {
        try
        {
            return MlpSpec.Parse(info.Model);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException($"checkpoint '{dir}': {e.Message}");
        }
    }

    private static ModelSpec ParseGraph(CheckpointInfo info, string dir)
    {
        if (info.Input is null)
            throw new CheckpointException($"checkpoint '{dir}': model {info.Model} has no input shape; it was not written by 'quanthdl train'");
        try
        {
            return ModelSpec.Parse(info.Model, Shape.Parse(info.Input));
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException($"checkpoint '{dir}': {e.Message}");
        }
    }
}
