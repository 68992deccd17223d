namespace QuantHdl.Models;

/// <summary>
/// The closed set of layer kinds a model spec can hold. Each kind knows its output shape, so a spec
/// is checked completely before anything is trained (docs/models.md).
/// </summary>
public abstract record LayerSpec
{
    /// <summary>The token this layer is written as in a <c>cnn:</c> spec.</summary>
    public abstract string Token { get; }

    /// <summary>
    /// The output shape for input <paramref name="x"/>; throws <see cref="ArgumentException"/> naming
    /// <see cref="Token"/> when the shape is impossible.
    /// </summary>
    public abstract Shape OutputShape(Shape x);

    /// <summary>Spatial output size of a window of <paramref name="k"/> with stride and padding: floor((n + 2p - k) / s) + 1.</summary>
    protected static int Window(int n, int k, int s, int p) => (n + 2 * p - k) / s + 1;
}

/// <summary>A 2-D convolution <c>cC kK [sS] [pP] [gG]</c>: C output channels, K x K kernel, stride, zero padding, groups.</summary>
public sealed record ConvSpec(int Out, int K, int Stride = 1, int Pad = 0, int Groups = 1) : LayerSpec
{
    /// <inheritdoc/>
    public override string Token => $"c{Out}k{K}" + (Stride != 1 ? $"s{Stride}" : "") + (Pad != 0 ? $"p{Pad}" : "") + (Groups != 1 ? $"g{Groups}" : "");

    /// <inheritdoc/>
    public override Shape OutputShape(Shape x)
    {
        if (x.C % Groups != 0) throw new ArgumentException($"layer '{Token}': {x.C} input channels are not divisible by {Groups} groups");
        if (Out % Groups != 0) throw new ArgumentException($"layer '{Token}': {Out} output channels are not divisible by {Groups} groups");
        if (Pad >= K) throw new ArgumentException($"layer '{Token}': padding {Pad} must be smaller than the kernel {K}");
        if (K > x.H + 2 * Pad || K > x.W + 2 * Pad)
            throw new ArgumentException($"layer '{Token}': kernel {K}x{K} is larger than its {x.H}x{x.W} input" + (Pad > 0 ? $" padded by {Pad}" : ""));
        return new Shape(Out, Window(x.H, K, Stride, Pad), Window(x.W, K, Stride, Pad));
    }
}

/// <summary>Batch normalisation over channels, <c>bn</c>; folded into the preceding conv before QAT.</summary>
public sealed record BatchNormSpec : LayerSpec
{
    /// <inheritdoc/>
    public override string Token => "bn";

    /// <inheritdoc/>
    public override Shape OutputShape(Shape x) => x;
}

/// <summary>ReLU, <c>relu</c>.</summary>
public sealed record ReluSpec : LayerSpec
{
    /// <inheritdoc/>
    public override string Token => "relu";

    /// <inheritdoc/>
    public override Shape OutputShape(Shape x) => x;
}

/// <summary>Max pooling <c>mpK</c>: K x K windows at stride K.</summary>
public sealed record MaxPoolSpec(int K) : LayerSpec
{
    /// <inheritdoc/>
    public override string Token => $"mp{K}";

    /// <inheritdoc/>
    public override Shape OutputShape(Shape x) => PoolShape(Token, x, K);

    internal static Shape PoolShape(string token, Shape x, int k)
    {
        if (x.IsFlat) throw new ArgumentException($"layer '{token}': pooling needs a spatial input, got a flat vector of {x.C}");
        if (k > x.H || k > x.W) throw new ArgumentException($"layer '{token}': window {k}x{k} is larger than its {x.H}x{x.W} input");
        return new Shape(x.C, x.H / k, x.W / k);
    }
}

/// <summary>Average pooling <c>apK</c>: K x K windows at stride K.</summary>
public sealed record AvgPoolSpec(int K) : LayerSpec
{
    /// <inheritdoc/>
    public override string Token => $"ap{K}";

    /// <inheritdoc/>
    public override Shape OutputShape(Shape x) => MaxPoolSpec.PoolShape(Token, x, K);
}

/// <summary>Global average pooling, <c>gap</c>: C x H x W to C.</summary>
public sealed record GlobalAvgPoolSpec : LayerSpec
{
    /// <inheritdoc/>
    public override string Token => "gap";

    /// <inheritdoc/>
    public override Shape OutputShape(Shape x) => Shape.Flat(x.C);
}

/// <summary>A fully connected layer <c>fcN</c>; a spatial input is flattened in C, H, W order first.</summary>
public sealed record DenseSpec(int Out) : LayerSpec
{
    /// <inheritdoc/>
    public override string Token => $"fc{Out}";

    /// <inheritdoc/>
    public override Shape OutputShape(Shape x)
    {
        if (x.Features > ModelSpec.MaxWidth)
            throw new ArgumentException($"layer '{Token}': its input of {x} = {x.Features} features exceeds {ModelSpec.MaxWidth}; pool or stride first");
        return Shape.Flat(Out);
    }
}

/// <summary>
/// The residual add, <c>add</c>: the elementwise sum of two edges of the same shape (the main branch,
/// then the shortcut); the only layer with two inputs.
/// </summary>
public sealed record AddSpec : LayerSpec
{
    /// <inheritdoc/>
    public override string Token => "add";

    /// <inheritdoc/>
    public override Shape OutputShape(Shape x) => x;
}
