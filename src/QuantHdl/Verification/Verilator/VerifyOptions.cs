using QuantHdl.Golden;
using QuantHdl.Compiler.Ir;

namespace QuantHdl.Verification.Verilator;

/// <summary>How <see cref="VerilatorVerifier"/> runs the design.</summary>
public sealed record VerifyOptions
{
    /// <summary>Also run with random stalls on input valid, output ready and every layer input edge.</summary>
    public bool RunStalls { get; init; } = true;

    /// <summary>Seed of the stall pattern.</summary>
    public ulong StallSeed { get; init; } = 1;

    /// <summary>Probability that input valid is held back in a cycle, in [0, 1).</summary>
    public double InStall { get; init; } = 0.3;

    /// <summary>Probability that output ready is low in a cycle, in [0, 1).</summary>
    public double OutStall { get; init; } = 0.3;

    /// <summary>
    /// Largest per-cycle probability that a stall shim on a layer input edge starts a burst, in [0, 1); each
    /// edge draws its own probability (in [p/4, p]) and mean burst length (1 to 8 cycles) from the stall seed.
    /// 0 turns the inner stalls off. The run without stalls never uses them.
    /// </summary>
    public double InnerStall { get; init; } = 0.3;

    /// <summary>How the simulator is built: optimized for long runs, or quick for many small designs.</summary>
    public VerilatorProfile Profile { get; init; } = VerilatorProfile.Optimized;

    /// <summary>Cycles without a handshake on any stream after which the harness reports a deadlock.</summary>
    public long DeadlockCycles { get; init; } = 100_000;

    /// <summary>Write an FST waveform of the no-stall run (a separate, slower Verilator build).</summary>
    public bool Trace { get; init; }

    /// <summary>
    /// The reference: one output array per node for one input, node 0 being the input. Defaults to
    /// <see cref="GoldenSimulator.Run(IrGraph, long[])"/>.
    /// </summary>
    public Func<IrGraph, long[], long[][]> Reference { get; init; } = GoldenSimulator.Run;

    /// <summary>Wall-clock limit of one harness run.</summary>
    public TimeSpan RunTimeout { get; init; } = TimeSpan.FromMinutes(30);
}

/// <summary>Progress of a verification, for a CLI progress bar: <paramref name="Done"/> of <paramref name="Total"/> in <paramref name="Phase"/>.</summary>
public sealed record VerifyProgress(string Phase, int Done, int Total, string Message);
