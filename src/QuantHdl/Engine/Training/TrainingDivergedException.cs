namespace QuantHdl.Engine.Training;

/// <summary>
/// Training produced a non-finite loss. The message names the epoch, the batch and the layer whose
/// output (or parameter) was the first non-finite value, and the way out.
/// </summary>
public sealed class TrainingDivergedException(string message) : InvalidOperationException(message);
