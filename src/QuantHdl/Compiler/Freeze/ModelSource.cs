using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Compiler.Freeze;

/// <summary>A trained fake-quant network: its input (unsigned integers at a real scale) and its dense layers in order.</summary>
public sealed record ModelSource(string Name, int InputSize, IntType InputType, double InputScale, LayerSource[] Layers)
{
    /// <summary>Fraction bits F of the POST x/sqrt(2) table (integer-semantics §3).</summary>
    public int SqrtFracBits { get; init; } = DeploymentSettings.DefaultSqrtFracBits;

    /// <summary>Width MB of the requantization multiplier M0 (integer-semantics §4).</summary>
    public int MultiplierBits { get; init; } = DeploymentSettings.DefaultMultiplierBits;
}
