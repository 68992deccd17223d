using QuantHdl.Checkpoints;
using QuantHdl.Ir;
using QuantHdl.Models;
using QuantHdl.Nn;
using QuantHdl.Quant;

namespace QuantHdl.Flow;

/// <summary>Rebuilds a model from a checkpoint directory.</summary>
public static class ModelStore
{
    /// <summary>Loads a float checkpoint.</summary>
    public static (CheckpointInfo Info, MlpSpec Spec, Sequential Model) LoadFloat(string dir)
    {
        var (info, data) = Checkpoint.Read(dir);
        if (info.Kind != "float")
            throw new CheckpointException($"checkpoint '{dir}' is a {info.Kind} checkpoint; this step needs the output of 'quanthdl train'");
        var spec = ParseSpec(info, dir);
        var model = spec.BuildFloat(new Random(info.Seed));
        Checkpoint.LoadInto(model, info, data, dir);
        return (info, spec, model);
    }

    /// <summary>Loads a QAT checkpoint.</summary>
    public static (CheckpointInfo Info, QuantMlp Model) LoadQat(string dir)
    {
        var (info, data) = Checkpoint.Read(dir);
        if (info.Kind != "qat")
            throw new CheckpointException($"checkpoint '{dir}' is a {info.Kind} checkpoint; this step needs the output of 'quanthdl qat'");
        var spec = ParseSpec(info, dir);
        WeightSpec w;
        ActivationSpec a;
        try
        {
            w = WeightSpec.Parse(info.Weights ?? "");
            a = ActivationSpec.Parse(info.Activations ?? "");
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException($"checkpoint '{dir}': {e.Message}");
        }
        var model = new QuantMlp(spec, spec.BuildFloat(new Random(info.Seed)), w, a);
        Checkpoint.LoadInto(model, info, data, dir);
        if (info.LogitStep is not > 0) throw new CheckpointException($"checkpoint '{dir}' has no calibrated logit step");
        return (info, model);
    }

    private static MlpSpec ParseSpec(CheckpointInfo info, string dir)
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
}
