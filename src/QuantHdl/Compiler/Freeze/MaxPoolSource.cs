using QuantHdl.Models;

namespace QuantHdl.Compiler.Freeze;

/// <summary>A K x K max pool at stride K on an <see cref="Input"/>-shaped edge; codes pass unchanged (integer-semantics §8).</summary>
public sealed record MaxPoolSource(string Name, Shape Input, int K) : NodeSource(Name);
