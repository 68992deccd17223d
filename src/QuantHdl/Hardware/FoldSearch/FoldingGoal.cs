using System.Globalization;

namespace QuantHdl.Hardware.FoldSearch;

/// <summary>
/// The goal a folding was chosen for: <see cref="Value"/> is the MAC budget, the frame rate or the LUT budget, by
/// <see cref="Kind"/>; <see cref="FmaxMhz"/> is the clock a frame rate is met at.
/// </summary>
public sealed record FoldingGoal(FoldingGoalKind Kind, double Value, double FmaxMhz = 0)
{
    /// <summary>The default heuristic with its MAC budget.</summary>
    public static FoldingGoal Macs(int maxMacs) => new(FoldingGoalKind.MaxMacs, maxMacs);

    /// <summary><paramref name="fps"/> frames per second at <paramref name="fmaxMhz"/>; throws naming a value that is not positive.</summary>
    public static FoldingGoal Fps(double fps, double fmaxMhz)
    {
        if (!(fps > 0) || double.IsInfinity(fps)) throw new ArgumentException($"--target-fps {fps.ToString(CultureInfo.InvariantCulture)} must be a positive frame rate");
        if (!(fmaxMhz > 0) || double.IsInfinity(fmaxMhz)) throw new ArgumentException($"--fmax {fmaxMhz.ToString(CultureInfo.InvariantCulture)} must be a positive clock in MHz");
        return new(FoldingGoalKind.TargetFps, fps, fmaxMhz);
    }

    /// <summary>At most <paramref name="luts"/> estimated LUTs; throws naming a budget that is not positive.</summary>
    public static FoldingGoal Budget(long luts) =>
        luts > 0 ? new(FoldingGoalKind.LutBudget, luts) : throw new ArgumentException($"--lut-budget {luts} must be a positive number of LUTs");

    /// <summary>
    /// The largest initiation interval that meets the frame rate: <c>floor(fmax * 1e6 / fps)</c> cycles, since a
    /// pipeline of interval II runs <c>fmax / II</c> frames per second (docs/estimation.md).
    /// </summary>
    public long MaxInterval =>
        Kind == FoldingGoalKind.TargetFps
            ? (long)Math.Floor((decimal)FmaxMhz * 1_000_000m / (decimal)Value)
            : throw new InvalidOperationException($"a {Kind} goal has no interval");

    /// <summary>As the command line writes it.</summary>
    public override string ToString() => Kind switch
    {
        FoldingGoalKind.MaxMacs => $"--max-macs {Value:0}",
        FoldingGoalKind.TargetFps => $"--target-fps {Value.ToString("0.###", CultureInfo.InvariantCulture)} at --fmax {FmaxMhz.ToString("0.###", CultureInfo.InvariantCulture)} MHz",
        FoldingGoalKind.LutBudget => $"--lut-budget {Value:0}",
    };
}
