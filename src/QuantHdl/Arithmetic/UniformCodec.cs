namespace QuantHdl.Arithmetic;

/// <summary>
/// Uniform quantization to integers: clamp(round(v / s), n, p) (algorithms.md, LSQ). The fake-quant
/// forward and the freezer both call this, so the frozen integers are the trained ones.
/// </summary>
public static class UniformCodec
{
    /// <summary>Signed range [-2^(b-1), 2^(b-1)-1].</summary>
    public static (int N, int P) SignedRange(int bits) => (-(1 << (bits - 1)), (1 << (bits - 1)) - 1);

    /// <summary>Unsigned range [0, 2^b-1].</summary>
    public static (int N, int P) UnsignedRange(int bits) => (0, (1 << bits) - 1);

    /// <summary>The integer code of <paramref name="v"/> at step <paramref name="s"/>.</summary>
    public static int Code(float v, float s, int n, int p) => (int)Math.Clamp(Rounding.HalfUp(v / s), n, p);
}
