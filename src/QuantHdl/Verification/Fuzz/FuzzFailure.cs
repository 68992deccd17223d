namespace QuantHdl.Verification.Fuzz;

/// <summary>
/// A failing case: the generated one, what failed, the minimized case that still fails, and where both
/// were written (null when failures are not kept).
/// </summary>
public sealed record FuzzFailure(FuzzCase Case, FuzzOutcome Outcome, FuzzCase Minimized, FuzzOutcome MinimizedOutcome, string? Dir)
{
    /// <summary>The command that reruns exactly this case.</summary>
    public string Reproduce => $"quanthdl fuzz --case {Case.Seed}";
}
