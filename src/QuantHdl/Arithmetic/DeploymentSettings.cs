namespace QuantHdl.Arithmetic;

/// <summary>
/// The integer arithmetic a network is deployed with, chosen once at QAT and carried to the compiler in
/// the QAT checkpoint: the fraction bits F of the POST x/sqrt(2) table (docs/integer-semantics.md §3)
/// and the width MB of the requantization multiplier M0 (§4). The bias grid QAT trains on is the
/// accumulator unit of this F, so the hardware must be built with the same F. The ranges and defaults
/// are defined here and nowhere else; every range check calls <see cref="SqrtFracBitsInRange"/> or
/// <see cref="MultiplierBitsInRange"/>.
/// </summary>
public sealed record DeploymentSettings(int SqrtFracBits = DeploymentSettings.DefaultSqrtFracBits, int MultiplierBits = DeploymentSettings.DefaultMultiplierBits)
{
    /// <summary>Fewest fraction bits F of the POST x/sqrt(2) table.</summary>
    public const int MinSqrtFracBits = 1;

    /// <summary>Most fraction bits F of the POST x/sqrt(2) table.</summary>
    public const int MaxSqrtFracBits = 24;

    /// <summary>F used when nothing else is asked for, and by a QAT checkpoint that records none.</summary>
    public const int DefaultSqrtFracBits = 8;

    /// <summary>Fewest multiplier bits MB.</summary>
    public const int MinMultiplierBits = 1;

    /// <summary>Most multiplier bits MB.</summary>
    public const int MaxMultiplierBits = 32;

    /// <summary>MB used when nothing else is asked for, and by a QAT checkpoint that records none.</summary>
    public const int DefaultMultiplierBits = 16;

    /// <summary>The defaults (F = 8, MB = 16).</summary>
    public static DeploymentSettings Default { get; } = new();

    /// <summary>True when F is one of the fraction bits the arithmetic supports.</summary>
    public static bool SqrtFracBitsInRange(int f) => f >= MinSqrtFracBits && f <= MaxSqrtFracBits;

    /// <summary>True when MB is one of the multiplier widths the arithmetic supports.</summary>
    public static bool MultiplierBitsInRange(int mb) => mb >= MinMultiplierBits && mb <= MaxMultiplierBits;

    /// <summary>The range F must lie in, as text (<c>1..24</c>).</summary>
    public static string SqrtFracBitsRange => $"{MinSqrtFracBits}..{MaxSqrtFracBits}";

    /// <summary>The range MB must lie in, as text (<c>1..32</c>).</summary>
    public static string MultiplierBitsRange => $"{MinMultiplierBits}..{MaxMultiplierBits}";

    /// <summary>
    /// Null when both values are in range, else a one-line reason naming the bad value, its range and
    /// the <c>quanthdl qat</c> option that sets it.
    /// </summary>
    public string? Refusal()
    {
        if (!SqrtFracBitsInRange(SqrtFracBits))
            return $"--sqrt-frac-bits {SqrtFracBits} is out of range {SqrtFracBitsRange}; choose F in {SqrtFracBitsRange} (default {DefaultSqrtFracBits})";
        if (!MultiplierBitsInRange(MultiplierBits))
            return $"--multiplier-bits {MultiplierBits} is out of range {MultiplierBitsRange}; choose MB in {MultiplierBitsRange} (default {DefaultMultiplierBits})";
        return null;
    }

    /// <summary>Throws <see cref="ArgumentException"/> with <see cref="Refusal"/> when a value is out of range; returns this.</summary>
    public DeploymentSettings Check() => Refusal() is string r ? throw new ArgumentException(r) : this;
}
