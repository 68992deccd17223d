namespace QuantHdl.Models;

/// <summary>
/// The sizes of a multi-layer perceptron written as <c>mlp:784-64-32-10</c>: input size, hidden sizes,
/// classes. <see cref="ModelSpec.Parse"/> turns it into the layer graph every model is.
/// </summary>
public sealed record MlpSpec(int[] Sizes)
{
    /// <summary>Largest layer width accepted.</summary>
    public const int MaxWidth = 1 << 16;

    /// <summary>Parses the spec; throws <see cref="ArgumentException"/> naming the bad part.</summary>
    public static MlpSpec Parse(string text)
    {
        if (!text.StartsWith("mlp:", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"model spec '{text}' is unknown; use mlp:IN-H1-...-CLASSES, e.g. mlp:784-64-32-10");
        var parts = text[4..].Split('-');
        if (parts.Length < 2) throw new ArgumentException($"model spec '{text}' needs at least an input and an output size");
        var sizes = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], out sizes[i]) || sizes[i] < 1 || sizes[i] > MaxWidth)
                throw new ArgumentException($"model spec '{text}': layer size '{parts[i]}' must be an integer in 1..{MaxWidth}");
        }
        return new MlpSpec(sizes);
    }

    /// <summary>Number of dense layers.</summary>
    public int Layers => Sizes.Length - 1;

    /// <inheritdoc/>
    public override string ToString() => "mlp:" + string.Join("-", Sizes);
}
