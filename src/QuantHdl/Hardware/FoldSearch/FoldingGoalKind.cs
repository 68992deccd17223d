namespace QuantHdl.Hardware.FoldSearch;

/// <summary>What chose a build's folding (docs/estimation.md, "Folding optimizer").</summary>
public enum FoldingGoalKind
{
    /// <summary>The default heuristic of <c>AssignFolding</c>: a MAC budget for the largest layer (<c>--max-macs</c>).</summary>
    MaxMacs,

    /// <summary>The cheapest folding (estimated LUTs) whose initiation interval meets a frame rate at a clock (<c>--target-fps</c>, <c>--fmax</c>).</summary>
    TargetFps,

    /// <summary>The fastest folding (lowest initiation interval) whose estimated LUTs fit a budget (<c>--lut-budget</c>).</summary>
    LutBudget,
}
