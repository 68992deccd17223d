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

    /// <inheritdoc/>
    public override string ToString() => IsFlat ? $"{C}" : $"{C}x{H}x{W}";
}
