using System.Numerics;

namespace QuantHdl.Arithmetic;

/// <summary>
/// docs/integer-semantics.md §5 before any weight is known: the largest accumulator a dense layer can
/// need for its weight code, input count and activation width (every weight at its largest magnitude,
/// every input at its maximum), and whether its requantization product then fits 64 bits. This is the
/// rule that decides which POT/POST widths are supported, so no term wraps and no shift reaches 64.
/// Computed in <see cref="BigInteger"/>, so the answer is exact even for widths it refuses.
/// </summary>
public static class DenseCapacity
{
    /// <summary>The largest |t| of §3: x = 2^a - 1 times the largest weight magnitude in accumulator units.</summary>
    public static BigInteger MaxTerm(WeightSpec w, int actBits, int fracBits)
    {
        var xMax = (BigInteger.One << actBits) - 1;
        return w.Code switch
        {
            // |w| is at most 2^(b-1), reached by -2^(b-1).
            WeightCode.Uniform => xMax << (w.Bits - 1),
            WeightCode.Pot => xMax << w.MaxExponent,
            // x0 = x << F is the larger lane (R_F[x] < x << F), shifted by H for j = 0.
            WeightCode.Post => xMax << (fracBits + w.MaxExponent / 2),
            _ => throw new ArgumentOutOfRangeException(nameof(w)),
        };
    }

    /// <summary>Signed width holding <paramref name="inputs"/> terms of the largest magnitude (the bias comes on top).</summary>
    public static int WorstCaseAccBits(WeightSpec w, int inputs, int actBits, int fracBits) =>
        checked((int)(MaxTerm(w, actBits, fracBits) * inputs).GetBitLength() + 1);

    /// <summary>
    /// Null when every choice of weights fits: the worst-case accumulator's requant product
    /// (<see cref="RequantMath.ProductBits"/>) is at most <see cref="RequantMath.MaxProductBits"/>.
    /// Otherwise the reason, with the needed bits and the way out (no layer name; the caller adds it).
    /// </summary>
    public static string? Refusal(WeightSpec w, int inputs, int actBits, int fracBits, int multiplierBits)
    {
        int acc = WorstCaseAccBits(w, inputs, actBits, fracBits);
        int prod = RequantMath.ProductBits(acc, multiplierBits);
        if (prod <= RequantMath.MaxProductBits) return null;
        int fits = LargestFittingBits(w.Code, inputs, actBits, fracBits, multiplierBits);
        string kind = w.Code.ToString().ToLowerInvariant();
        string wayOut = fits >= WeightSpec.MinBits(w.Code)
            ? $"use {kind}:{fits} or fewer weight bits, fewer activation bits or fewer inputs"
            : "use fewer activation bits or fewer inputs";
        return $"{w} weights on {inputs} inputs of {actBits}-bit activations can need a {acc}-bit accumulator, " +
               $"and its requant product {prod} bits ({acc} + {multiplierBits} multiplier bits + 1), max is {RequantMath.MaxProductBits}; {wayOut}";
    }

    /// <summary>The most weight bits of <paramref name="code"/> that fit the layer, or MinBits - 1 when none does.</summary>
    public static int LargestFittingBits(WeightCode code, int inputs, int actBits, int fracBits, int multiplierBits)
    {
        int b = WeightSpec.MinBits(code);
        while (b < WeightSpec.MaxEncodableBits && Fits(new WeightSpec(code, b + 1), inputs, actBits, fracBits, multiplierBits)) b++;
        return Fits(new WeightSpec(code, b), inputs, actBits, fracBits, multiplierBits) ? b : b - 1;
    }

    private static bool Fits(WeightSpec w, int inputs, int actBits, int fracBits, int multiplierBits) =>
        RequantMath.ProductBits(WorstCaseAccBits(w, inputs, actBits, fracBits), multiplierBits) <= RequantMath.MaxProductBits;
}
