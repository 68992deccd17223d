namespace QuantHdl.Ir;

/// <summary>A weight code and its width, written on the command line as <c>post:4</c>, <c>pot:4</c> or <c>uniform:8</c>.</summary>
public sealed record WeightSpec(WeightCode Code, int Bits)
{
    /// <summary>Largest exponent j = 2^(b-1) - 2 of a POT/POST code.</summary>
    public int MaxExponent => (1 << (Bits - 1)) - 2;

    /// <summary>Parses <c>kind:bits</c>; throws <see cref="ArgumentException"/> naming the bad text.</summary>
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
        int min = code == WeightCode.Uniform ? 2 : 3;
        if (bits < min || bits > 16)
            throw new ArgumentException($"weight bits {bits} in '{text}' are out of range; {parts[0]} needs {min}..16 bits");
        return new WeightSpec(code, bits);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Code.ToString().ToLowerInvariant()}:{Bits}";
}
