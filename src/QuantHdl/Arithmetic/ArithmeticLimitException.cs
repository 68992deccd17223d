namespace QuantHdl.Arithmetic;

/// <summary>
/// A width, code or multiplier that the integer arithmetic cannot represent (docs/integer-semantics.md).
/// The message names the value and the way out.
/// </summary>
public sealed class ArithmeticLimitException(string message) : Exception(message);
