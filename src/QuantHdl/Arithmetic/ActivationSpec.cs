namespace QuantHdl.Arithmetic;

/// <summary>
/// Activation quantizer spec, written <c>uniform:4</c> (LSQ, unsigned, per tensor) or <c>asq:4</c>
/// (ASQ: LSQ's step times a per-sample adapter output, docs/asq.md). Both give unsigned B-bit codes.
/// </summary>
public sealed record ActivationSpec(int Bits, ActivationKind Kind = ActivationKind.Uniform)
{
    /// <summary>Parses <c>uniform:B</c> or <c>asq:B</c>; throws <see cref="ArgumentException"/> naming the bad text.</summary>
    public static ActivationSpec Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[1], out int bits))
            throw new ArgumentException($"activation spec '{text}' is not of the form kind:B, e.g. uniform:4 or asq:4");
        var kind = parts[0].ToLowerInvariant() switch
        {
            "uniform" => ActivationKind.Uniform,
            "asq" => ActivationKind.Asq,
            _ => throw new ArgumentException($"activation kind '{parts[0]}' in '{text}' is not supported; use uniform or asq"),
        };
        if (bits < 1 || bits > 16)
            throw new ArgumentException($"activation bits {bits} in '{text}' are out of range; use 1..16");
        return new ActivationSpec(bits, kind);
    }

    /// <summary>True for ASQ.</summary>
    public bool IsAsq => Kind == ActivationKind.Asq;

    /// <inheritdoc/>
    public override string ToString() => $"{(IsAsq ? "asq" : "uniform")}:{Bits}";
}
