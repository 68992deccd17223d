namespace QuantHdl.Arithmetic;

/// <summary>An integer type on an IR edge: width in bits and signedness (docs/integer-semantics.md §1).</summary>
public sealed record IntType
{
    /// <summary>Creates a type; throws when the width is outside 1..64.</summary>
    public IntType(int width, bool signed)
    {
        if (width < 1 || width > 64)
            throw new ArithmeticLimitException($"integer width {width} is out of range; widths must be 1..64");
        if (!signed && width > 63)
            throw new ArithmeticLimitException($"unsigned width {width} does not fit a long; unsigned widths must be 1..63");
        Width = width;
        Signed = signed;
    }

    /// <summary>Width in bits.</summary>
    public int Width { get; }

    /// <summary>True for two's complement.</summary>
    public bool Signed { get; }

    /// <summary>Smallest representable value.</summary>
    public long Min => Signed ? (Width == 64 ? long.MinValue : -(1L << (Width - 1))) : 0;

    /// <summary>Largest representable value.</summary>
    public long Max => Signed ? (Width == 64 ? long.MaxValue : (1L << (Width - 1)) - 1) : (1L << Width) - 1;

    /// <summary>True when <paramref name="v"/> is representable.</summary>
    public bool Fits(long v) => v >= Min && v <= Max;

    /// <summary>Unsigned type of the given width.</summary>
    public static IntType U(int width) => new(width, false);

    /// <summary>Signed type of the given width.</summary>
    public static IntType S(int width) => new(width, true);

    /// <summary>Smallest signed width holding every value in [-bound, bound].</summary>
    public static int SignedWidthFor(long bound)
    {
        if (bound < 0) throw new ArgumentOutOfRangeException(nameof(bound));
        return 64 - (int)long.LeadingZeroCount(bound) + 1;
    }

    /// <inheritdoc/>
    public override string ToString() => (Signed ? "s" : "u") + Width;
}
