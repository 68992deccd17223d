namespace QuantHdl.Compiler.Ir;

/// <summary>SIMD input lanes times PE output rows computed per cycle (docs/integer-semantics.md §6).</summary>
public sealed record Folding(int Simd, int Pe)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Simd}x{Pe}";
}
