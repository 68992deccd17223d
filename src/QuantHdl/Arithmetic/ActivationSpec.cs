namespace QuantHdl.Arithmetic;

/// <summary>Activation quantizer spec, written <c>uniform:4</c> (LSQ, unsigned, per tensor).</summary>
public sealed record ActivationSpec(int Bits)
{
    /// <summary>Parses <c>uniform:B</c>; throws <see cref="ArgumentException"/> naming the bad text.</summary>
    public static ActivationSpec Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[1], out int bits))
            throw new ArgumentException($"activation spec '{text}' is not of the form uniform:B, e.g. uniform:4");
        if (!parts[0].Equals("uniform", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"activation kind '{parts[0]}' in '{text}' is not supported; use uniform");
        if (bits < 1 || bits > 16)
            throw new ArgumentException($"activation bits {bits} in '{text}' are out of range; use 1..16");
        return new ActivationSpec(bits);
    }

    /// <inheritdoc/>
    public override string ToString() => $"uniform:{Bits}";
}
