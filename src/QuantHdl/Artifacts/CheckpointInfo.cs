using System.Text.Json.Serialization;
using QuantHdl.Arithmetic;

namespace QuantHdl.Artifacts;

/// <summary>
/// checkpoint.json: what was trained and how. <see cref="Kind"/> is "float" or "qat". Tensors are
/// stored little-endian float32 in weights.bin at the listed offsets; <see cref="Sha256"/> covers that file.
/// </summary>
public sealed record CheckpointInfo(
    string Kind,
    string Model,
    string? Weights,
    string? Activations,
    int Seed,
    int Epochs,
    int BatchSize,
    double LearningRate,
    double TestAccuracy,
    double? LogitStep,
    string? Parent,
    TensorEntry[] Tensors,
    string Sha256)
{
    /// <summary>Format tag.</summary>
    public string Format { get; init; } = "quanthdl-checkpoint";

    /// <summary>Format version.</summary>
    public int Version { get; init; } = 1;

    /// <summary>
    /// The sample shape a <c>cnn:</c> or <c>lenet5</c> model was built for, as <c>CxHxW</c> (e.g. <c>1x28x28</c>);
    /// null for <c>mlp:</c> models, whose spec names their flat input size.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Input { get; init; }

    /// <summary>
    /// QAT only: the F and multiplier width the bias grid was trained for, which compile freezes with
    /// (docs/integer-semantics.md §3, §4). Null in a float checkpoint; a QAT checkpoint written before
    /// the field existed was trained for the defaults, which <see cref="DeploymentOrDefault"/> gives.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DeploymentSettings? Deployment { get; init; }

    /// <summary>
    /// A "qat" checkpoint written by 'quanthdl ptq': the post-training steps that ran (docs/ptq.md), e.g.
    /// <c>bn-fold, cle, bias-absorption, weights mse per-channel, adaround 1000, acts mse, calib 1024</c>.
    /// Null for QAT and float checkpoints. compile, simulate and verify read both alike; qat may start from it.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Ptq { get; init; }

    /// <summary>
    /// A QAT checkpoint with ASQ activations (docs/asq.md): how the static betas (the <c>static_beta</c>
    /// buffers in weights.bin) were calibrated, and the fake-quant test accuracy of the static form
    /// (<see cref="TestAccuracy"/> is the dynamic form's). Null otherwise.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AsqCalibrationInfo? Asq { get; init; }

    /// <summary>
    /// A "qat" checkpoint trained with block-wise replacement (docs/bwrf.md): its blocks, loss settings
    /// and measured cost per step. Null otherwise.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public BwrfInfo? Bwrf { get; init; }

    /// <summary><see cref="Deployment"/>, or the defaults when the checkpoint records none.</summary>
    [JsonIgnore]
    public DeploymentSettings DeploymentOrDefault => Deployment ?? DeploymentSettings.Default;
}

/// <summary>ASQ's static deployment in a checkpoint: the calibration images (the first of the training set) and the static form's test accuracy.</summary>
public sealed record AsqCalibrationInfo(int CalibrationImages, double StaticTestAccuracy);

/// <summary>One stored tensor: its parameter name, shape and float offset in weights.bin.</summary>
public sealed record TensorEntry(string Name, int[] Shape, long Offset);
