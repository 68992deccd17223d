namespace QuantHdl.Verification.Verilator;

/// <summary>
/// Per-stream counts of one run: elements compared, mismatches, and cycles in which the node's output
/// stream had valid high and ready low (<paramref name="BackpressureCycles"/>).
/// </summary>
public sealed record LayerCheck(string Node, long ElementsChecked, long Mismatches, long BackpressureCycles);

/// <summary>
/// One harness run compared with the reference. <see cref="BitExact"/> counts samples whose every output
/// integer of every tapped layer matched; <see cref="Mismatches"/> counts differing integers (plus framing
/// errors and missing values); <see cref="FirstMismatch"/> names sample, layer, element, expected and actual.
/// </summary>
public sealed record RunCheck(
    string Name,
    int Samples,
    int BitExact,
    long Mismatches,
    string? FirstMismatch,
    long TotalCycles,
    IReadOnlyList<LayerCheck> Layers,
    string? Error,
    string TapsFile)
{
    /// <summary>The stall shims' inputs in this run (all zero-enter without inner stalls).</summary>
    public IReadOnlyList<InnerStall> InnerStalls { get; init; } = [];

    /// <summary>True when every sample matched and the run completed.</summary>
    public bool Passed => Error is null && Mismatches == 0 && BitExact == Samples;
}

/// <summary>The outcome of <see cref="VerilatorVerifier.Verify"/>, also written as verify.json.</summary>
public sealed record VerifyReport(
    string Graph,
    string TopModule,
    RunCheck NoStall,
    RunCheck? Stall,
    long? LatencyCycles,
    double? InitiationIntervalCycles,
    bool BuildCached,
    double BuildSeconds,
    string? TraceFile,
    string ReportFile)
{
    /// <summary>The analytic initiation interval from the folding (<see cref="QuantHdl.Hardware.CycleModel"/>).</summary>
    public long AnalyticIntervalCycles { get; init; }

    /// <summary>The node whose cycles set <see cref="AnalyticIntervalCycles"/>.</summary>
    public string AnalyticBottleneck { get; init; } = "";

    /// <summary>Measured over analytic initiation interval (1 is exact); null without a measurement.</summary>
    public double? IntervalRatio => InitiationIntervalCycles is double ii && AnalyticIntervalCycles > 0 ? ii / AnalyticIntervalCycles : null;

    /// <summary>True when every run passed.</summary>
    public bool Passed => NoStall.Passed && (Stall?.Passed ?? true);

    /// <summary>Throws <see cref="VerificationException"/> with the first failure unless <see cref="Passed"/>.</summary>
    public void EnsurePassed()
    {
        foreach (var r in new[] { NoStall, Stall })
        {
            if (r is null || r.Passed) continue;
            throw new VerificationException(
                $"{Graph}: {r.Name} run failed: {r.Error ?? r.FirstMismatch} ({r.BitExact}/{r.Samples} samples bit-exact, {r.Mismatches} mismatches; see {ReportFile})");
        }
    }
}

/// <summary>The RTL disagreed with the reference, or the simulation did not complete.</summary>
public sealed class VerificationException(string message) : Exception(message);
