using QuantHdl.Arithmetic;
using QuantHdl.Models;

namespace QuantHdl.Compiler.Freeze;

/// <summary>
/// A residual add of two <see cref="Input"/>-shaped edges (named by <see cref="NodeSource.Inputs"/>, two of
/// them: the main branch first, then the shortcut), each at its own step, requantized to
/// <see cref="OutputStep"/> as <see cref="OutputType"/> codes, with ReLU fused into the clamp when
/// <see cref="Relu"/> (integer-semantics §9).
/// </summary>
public sealed record AddSource(string Name, Shape Input, double OutputStep, IntType OutputType, bool Relu) : NodeSource(Name);
