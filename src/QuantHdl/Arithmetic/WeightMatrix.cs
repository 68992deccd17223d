namespace QuantHdl.Arithmetic;

/// <summary>
/// A layer's integer weights as the arithmetic sees them: <paramref name="Codes"/> row-major [Out, In]
/// (signed integers for uniform, sign+index codes for POT/POST, docs/integer-semantics.md §2), the bias on
/// the accumulator grid, and the x/√2 fraction bits of POST.
/// </summary>
public sealed record WeightMatrix(int In, int Out, WeightSpec Weight, int SqrtFracBits, int[] Codes, long[] Bias);
