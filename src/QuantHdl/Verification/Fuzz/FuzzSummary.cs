namespace QuantHdl.Verification.Fuzz;

/// <summary>
/// The outcome of a fuzz run: networks run (and how many were CNNs), draws the validators rejected along the way, failures,
/// streams that saw backpressure in the stall runs, and the throughput.
/// </summary>
public sealed record FuzzSummary(
    int Networks,
    long Rejected,
    IReadOnlyList<FuzzFailure> Failures,
    long StreamsBackpressured,
    long Streams,
    TimeSpan Elapsed)
{
    /// <summary>How many of the networks were CNNs (<see cref="NetworkGenerator.IsCnn"/>).</summary>
    public int Cnns { get; init; }

    /// <summary>True when no network failed.</summary>
    public bool Passed => Failures.Count == 0;

    /// <summary>Networks per minute of wall-clock time.</summary>
    public double NetworksPerMinute => Elapsed.TotalMinutes > 0 ? Networks / Elapsed.TotalMinutes : 0;
}
