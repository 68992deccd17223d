namespace QuantHdl.Compiler.Ir;

/// <summary>An IR that is malformed or asks for something QuantHdl does not support. The message names the node.</summary>
public sealed class IrException(string message) : Exception(message);
