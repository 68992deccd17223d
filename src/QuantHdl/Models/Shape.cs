namespace QuantHdl.Models;

/// <summary>The shape of one sample on an edge of the layer graph: channels x height x width (NCHW without N).</summary>
public sealed record Shape(int C, int H, int W)
{
    /// <summary>A flat vector of <paramref name="n"/> features (an MLP edge): n x 1 x 1.</summary>
    public static Shape Flat(int n) => new(n, 1, 1);

    /// <summary>Elements per sample.</summary>
    public long Features => (long)C * H * W;

    /// <summary>True for n x 1 x 1.</summary>
    public bool IsFlat => H == 1 && W == 1;

    /// <summary>Always <c>CxHxW</c>, also for a flat shape: the form checkpoints store.</summary>
    public string Text => $"{C}x{H}x{W}";

    /// <summary>Parses <see cref="Text"/>; throws <see cref="ArgumentException"/> naming the bad text.</summary>
    public static Shape Parse(string text)
    {
        var parts = text.Split('x');
        if (parts.Length != 3 || !int.TryParse(parts[0], out int c) || !int.TryParse(parts[1], out int h) || !int.TryParse(parts[2], out int w) || c < 1 || h < 1 || w < 1)
            throw new ArgumentException($"shape '{text}' is not of the form CxHxW with positive sizes, e.g. 1x28x28");
        return new Shape(c, h, w);
    }

    /// <inheritdoc/>
    public override string ToString() => IsFlat ? $"{C}" : $"{C}x{H}x{W}";
}
