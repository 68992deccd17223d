namespace QuantHdl.Arithmetic;

/// <summary>A weight code and its width, written on the command line as <c>post:4</c>, <c>pot:4</c> or <c>uniform:8</c>.</summary>
public sealed record WeightSpec(WeightCode Code, int Bits)
{
    /// <summary>The widest code the IR stores (codes are <c>int</c>; a uniform weight feeds a real multiplier).</summary>
    public const int MaxEncodableBits = 16;

    private static readonly int[] MaxBitsByCode = Enum.GetValues<WeightCode>()
        .Select(c => DenseCapacity.LargestFittingBits(c, 1, 1, DeploymentSettings.MinSqrtFracBits, DeploymentSettings.MinMultiplierBits))
        .ToArray();

    /// <summary>Largest exponent j = 2^(b-1) - 2 of a POT/POST code.</summary>
    public int MaxExponent => (1 << (Bits - 1)) - 2;

    /// <summary>
    /// Fewest bits of a code: 2 for every code. uniform:2 is -2..1; pot:2 and post:2 are a sign and a 1-bit
    /// index, levels 0 and ±alpha (J = 0; docs/integer-semantics.md §3).
    /// </summary>
    public static int MinBits(WeightCode code) => 2;

    /// <summary>
    /// Most bits of a code that any layer can hold (docs/integer-semantics.md §5): the widest whose
    /// single term, in a 1-input layer of 1-bit activations with the smallest F and multiplier, still
    /// gives a requant product of at most 64 bits. POT stops at 6 (shift 30) and POST at 7 (shift 31):
    /// pot:7 shifts by up to 62 and post:8 by up to 63.
    /// </summary>
    public static int MaxBits(WeightCode code) => MaxBitsByCode[(int)code];

    /// <summary>Parses <c>kind:bits</c>; throws <see cref="ArgumentException"/> naming the bad text and the supported range.</summary>
    public static WeightSpec Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[1], out int bits))
            throw new ArgumentException($"weight spec '{text}' is not of the form kind:bits, e.g. post:4, pot:4 or uniform:8");
        var code = parts[0].ToLowerInvariant() switch
        {
            "uniform" => WeightCode.Uniform,
            "pot" => WeightCode.Pot,
            "post" => WeightCode.Post,
            _ => throw new ArgumentException($"weight kind '{parts[0]}' in '{text}' is unknown; use uniform, pot or post"),
        };
        int min = MinBits(code), max = MaxBits(code);
        if (bits < min || bits > MaxEncodableBits)
            throw new ArgumentException($"weight bits {bits} in '{text}' are out of range; {parts[0]} takes {min}..{max} bits");
        if (bits > max)
        {
            var w = new WeightSpec(code, bits);
            int f = DeploymentSettings.MinSqrtFracBits, mb = DeploymentSettings.MinMultiplierBits;
            int acc = DenseCapacity.WorstCaseAccBits(w, 1, 1, f);
            int shift = code == WeightCode.Pot ? w.MaxExponent : f + w.MaxExponent / 2;
            throw new ArgumentException($"weight bits {bits} in '{text}' are out of range; {parts[0]} takes {min}..{max} bits: " +
                $"a {w} term shifts by up to {shift}, so even a 1-input layer of 1-bit activations needs a {acc}-bit accumulator " +
                $"and a {RequantMath.ProductBits(acc, mb)}-bit requant product, max is {RequantMath.MaxProductBits}");
        }
        return new WeightSpec(code, bits);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Code.ToString().ToLowerInvariant()}:{Bits}";
}
