namespace QuantHdl.Arithmetic;

/// <summary>
/// Per-channel requantization y = clamp(rshift_round(acc * M0, k), Lo, Hi)
/// (docs/integer-semantics.md §4).
/// </summary>
public sealed record Requant(long[] M0, int[] Shift, long Lo, long Hi, int MultiplierBits);
