namespace QuantHdl.Verification.Fuzz;

/// <summary>What went wrong with a fuzz case, if anything.</summary>
public enum FuzzFailureKind
{
    /// <summary>Nothing: every integer of every layer matched, with and without stalls.</summary>
    None,

    /// <summary>The RTL gave an integer different from the golden simulator's, or a frame was cut wrongly.</summary>
    Mismatch,

    /// <summary>The harness saw no handshake on any stream for the deadlock timeout.</summary>
    Deadlock,

    /// <summary>The harness exited with an error or wrote no output.</summary>
    HarnessError,

    /// <summary>The golden simulator threw on a graph the validators accepted.</summary>
    GoldenCrash,

    /// <summary>The emitter threw on a graph the validators accepted.</summary>
    EmitterCrash,

    /// <summary>Verilator or the C++ compiler rejected the emitted design.</summary>
    BuildError,
}

/// <summary>
/// The result of one fuzz case: <paramref name="Kind"/> and a one-line <paramref name="Message"/>, and
/// how many streams saw backpressure in the stall run (<paramref name="StreamsBackpressured"/> of
/// <paramref name="Streams"/>).
/// </summary>
public sealed record FuzzOutcome(FuzzFailureKind Kind, string Message, int StreamsBackpressured, int Streams)
{
    /// <summary>Seconds spent building the simulator (Verilator and the C++ compiler).</summary>
    public double BuildSeconds { get; init; }

    /// <summary>Seconds of the whole case: reference, emission, build, both runs and the comparison.</summary>
    public double TotalSeconds { get; init; }

    /// <summary>True when the case passed.</summary>
    public bool Passed => Kind == FuzzFailureKind.None;
}
