namespace QuantHdl.Golden;

/// <summary>A value left its declared width: the IR's bounds are wrong. The message names the layer, sample and channel.</summary>
public sealed class IntegerOverflowException(string message) : Exception(message);
