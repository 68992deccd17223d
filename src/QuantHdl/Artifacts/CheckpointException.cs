namespace QuantHdl.Artifacts;

/// <summary>A checkpoint that is missing, truncated, corrupt or of the wrong kind; the message names the file.</summary>
public sealed class CheckpointException(string message) : Exception(message);
