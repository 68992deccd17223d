using System.Text.Json.Nodes;
using QuantHdl.Compiler.Ir;
using QuantHdl.Hardware.FoldSearch;

namespace QuantHdl.Reports;

/// <summary>
/// What a report is made of, as the stages wrote it into a build: the IR, and where present synth.json,
/// simulate.json, verify.json and folding.json (null when the stage has not run), and the multiplier study's
/// multipliers.json when the caller names one (<c>report --study</c>, docs/multipliers.md).
/// </summary>
public sealed record ReportSources(
    string BuildDir,
    IrGraph Graph,
    JsonObject? Synth,
    JsonObject? Simulate,
    JsonObject? Verify,
    FoldingCurve? Folding,
    JsonObject? Study = null);
