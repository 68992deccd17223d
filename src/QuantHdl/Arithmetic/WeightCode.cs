namespace QuantHdl.Arithmetic;

/// <summary>How a layer's weights are encoded (docs/integer-semantics.md §3).</summary>
public enum WeightCode
{
    /// <summary>Signed b-bit integers; the hardware uses a real multiplier.</summary>
    Uniform,

    /// <summary>Sign + (b-1)-bit index, magnitude alpha * 2^-j; shifts only.</summary>
    Pot,

    /// <summary>Sign + (b-1)-bit index, magnitude alpha * 2^(-j/2); select and shift only.</summary>
    Post,
}
