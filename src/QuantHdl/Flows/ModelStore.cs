using System.Text.RegularExpressions;
using QuantHdl.Artifacts;
using QuantHdl.Models;
using QuantHdl.Quantization;
using QuantHdl.Arithmetic;

namespace QuantHdl.Flows;

/// <summary>
/// Rebuilds a model from a checkpoint directory: every model (<c>mlp:</c>, <c>lenet5</c>, <c>cnn:</c>) is a
/// <see cref="LayerGraph"/> (float, with its batch-norm buffers) or a <see cref="QuantGraph"/> of the
/// BN-folded graph (QAT), rebuilt from the model text and the stored input shape (an <c>mlp:</c> spec
/// names its flat input size and stores none).
/// </summary>
public static partial class ModelStore
{
    /// <summary>True for a checkpoint of an <c>mlp:</c> model (flat batches, <see cref="MlpSpec"/> sizes).</summary>
    public static bool IsMlp(CheckpointInfo info) => IsMlpText(info.Model);

    /// <summary>True for an <c>mlp:</c> model text.</summary>
    public static bool IsMlpText(string model) => model.TrimStart().StartsWith("mlp:", StringComparison.OrdinalIgnoreCase);

    /// <summary>Loads a float checkpoint as a <see cref="LayerGraph"/> with its batch-norm running statistics.</summary>
    public static (CheckpointInfo Info, LayerGraph Model) LoadFloatGraph(string dir)
    {
        var (info, data) = Checkpoint.Read(dir);
        if (info.Kind != "float")
            throw new CheckpointException($"checkpoint '{dir}' is a {info.Kind} checkpoint; this step needs the output of 'quanthdl train'");
        var model = new LayerGraph(ParseSpec(info, dir), new Random(info.Seed));
        Checkpoint.LoadInto(model, WithGraphNames(info), data, dir);
        return (info, model);
    }

    /// <summary>
    /// Loads a QAT checkpoint: a <see cref="QuantGraph"/> of the BN-folded graph, with the checkpoint's deployment
    /// settings; ASQ quantizers are static (<see cref="QuantGraph.UseStaticAsq"/>).
    /// </summary>
    public static (CheckpointInfo Info, QuantGraph Model) LoadQat(string dir)
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
        // The folded graph's parameters are overwritten by LoadInto; folding here only fixes the structure.
        var fp = BatchNormFolder.Fold(new LayerGraph(ParseSpec(info, dir), new Random(info.Seed)));
        var model = new QuantGraph(fp, w, a, deploy, info.Seed);
        Checkpoint.LoadInto(model, WithGraphNames(info), data, dir);
        if (info.LogitStep is not > 0) throw new CheckpointException($"checkpoint '{dir}' has no calibrated logit step");
        // An ASQ model loads in its deployed (static) form, the one compile freezes (docs/asq.md).
        foreach (var (name, q) in model.AsqQuantizers())
            if (!q.Calibrated) throw new CheckpointException($"checkpoint '{dir}': ASQ node {name} has no calibrated static beta");
        model.UseStaticAsq(true);
        return (info, model);
    }

    /// <summary>
    /// Where QAT starts: a float checkpoint becomes a <see cref="QuantGraph"/> of its BN-folded graph; a
    /// checkpoint from 'quanthdl ptq' is loaded with its PTQ weights, scales and steps (the white paper's
    /// QAT pipeline: equalize and set ranges, then train), and must have been quantized to
    /// <paramref name="w"/>, <paramref name="a"/> and <paramref name="deploy"/>. A QAT checkpoint is refused.
    /// </summary>
    public static (CheckpointInfo Info, QuantGraph Model) QatStart(string dir, WeightSpec w, ActivationSpec a, DeploymentSettings deploy, int seed = 0)
    {
        var (info, _) = Checkpoint.Read(dir);
        if (info.Kind == "qat" && info.Ptq is not null)
        {
            var (ptq, model) = LoadQat(dir);
            if (model.WeightSpec != w || model.ActivationSpec != a)
                throw new ArgumentException($"'{dir}' was quantized by ptq to weights {ptq.Weights}, acts {ptq.Activations}; qat from it needs --weights {ptq.Weights} --acts {ptq.Activations}");
            if (ptq.DeploymentOrDefault != deploy)
                throw new ArgumentException($"'{dir}' was quantized by ptq for F = {ptq.DeploymentOrDefault.SqrtFracBits}, MB = {ptq.DeploymentOrDefault.MultiplierBits}; qat from it needs --sqrt-frac-bits {ptq.DeploymentOrDefault.SqrtFracBits} --multiplier-bits {ptq.DeploymentOrDefault.MultiplierBits}");
            return (ptq, model);
        }
        var (fpInfo, graph) = LoadFloatGraph(dir);
        return (fpInfo, new QuantGraph(BatchNormFolder.Fold(graph), w, a, deploy, seed));
    }

    /// <summary>
    /// The tensor list with the graph's names. <c>mlp:</c> checkpoints written before MLPs were layer graphs
    /// name the float layers by position (<c>0.weight</c>, <c>2.bias</c>: Sequential's Linear, ReLU, Linear, ...)
    /// and the QAT activation quantizers <c>act1.step</c>; the graph calls them <c>fc1.weight</c>, <c>fc2.bias</c>
    /// and <c>relu1.step</c>. The stored bytes are the same, in the same order.
    /// </summary>
    private static CheckpointInfo WithGraphNames(CheckpointInfo info)
    {
        if (!IsMlp(info)) return info;
        var renamed = info.Tensors.Select(t =>
        {
            var m = PositionalName().Match(t.Name);
            if (m.Success && int.Parse(m.Groups["i"].Value) % 2 == 0)
                return t with { Name = $"fc{int.Parse(m.Groups["i"].Value) / 2 + 1}.{m.Groups["rest"].Value}" };
            m = ActName().Match(t.Name);
            return m.Success ? t with { Name = $"relu{m.Groups["n"].Value}.{m.Groups["rest"].Value}" } : t;
        }).ToArray();
        return info with { Tensors = renamed };
    }

    [GeneratedRegex(@"^(?<i>\d+)\.(?<rest>.+)$")]
    private static partial Regex PositionalName();

    [GeneratedRegex(@"^act(?<n>\d+)\.(?<rest>.+)$")]
    private static partial Regex ActName();

    private static ModelSpec ParseSpec(CheckpointInfo info, string dir)
    {
        try
        {
            if (IsMlp(info)) return ModelSpec.Parse(info.Model, Shape.Flat(MlpSpec.Parse(info.Model.Trim()).Sizes[0]));
            if (info.Input is null)
                throw new CheckpointException($"checkpoint '{dir}': model {info.Model} has no input shape; it was not written by 'quanthdl train'");
            return ModelSpec.Parse(info.Model, Shape.Parse(info.Input));
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException($"checkpoint '{dir}': {e.Message}");
        }
    }
}
