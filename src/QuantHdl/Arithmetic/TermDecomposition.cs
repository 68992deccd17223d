namespace QuantHdl.Arithmetic;

/// <summary>
/// integer-semantics §3 written as integer matrix products: every term is linear in the two lanes of
/// its activation, <c>Term(code, x) = OnX(code) * x + OnRoot(code) * R_F[x]</c>. Uniform weights put the
/// integer itself on x; POT puts ±2^(J-j) on x; POST puts ±2^(F+H-floor(j/2)) on x for even j and
/// ±2^(H-floor(j/2)) on R_F[x] for odd j. So a layer is at most two integer GEMMs, on x and on R_F[x],
/// which is how the golden convolution runs.
/// </summary>
public static class TermDecomposition
{
    /// <summary>The factors (on x, on R_F[x]) of <paramref name="code"/>.</summary>
    public static (long OnX, long OnRoot) Of(int code, WeightSpec w, int fracBits)
    {
        switch (w.Code)
        {
            case WeightCode.Uniform:
                return (code, 0);
            case WeightCode.Pot:
            {
                int e = WeightArithmetic.Index(code, w);
                if (e == 0) return (0, 0);
                long mag = 1L << (w.MaxExponent - (e - 1));
                return (WeightArithmetic.IsNegative(code, w) ? -mag : mag, 0);
            }
            case WeightCode.Post:
            {
                int e = WeightArithmetic.Index(code, w);
                if (e == 0) return (0, 0);
                int j = e - 1, shift = w.MaxExponent / 2 - j / 2;
                long sign = WeightArithmetic.IsNegative(code, w) ? -1 : 1;
                return (j & 1) == 0 ? (sign << (fracBits + shift), 0) : (0, sign << shift);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(w), w, "unknown weight code");
        }
    }
}
