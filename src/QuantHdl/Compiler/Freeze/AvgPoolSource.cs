using QuantHdl.Arithmetic;
using QuantHdl.Models;

namespace QuantHdl.Compiler.Freeze;

/// <summary>
/// An average pool of KH x KW windows at their own stride on an <see cref="Input"/>-shaped edge (a
/// global pool has the whole frame as its window), requantized to <see cref="OutputStep"/> as
/// <see cref="OutputType"/> codes (integer-semantics §8).
/// </summary>
public sealed record AvgPoolSource(string Name, Shape Input, int KH, int KW, double OutputStep, IntType OutputType) : NodeSource(Name);
