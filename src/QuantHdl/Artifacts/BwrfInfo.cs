namespace QuantHdl.Artifacts;

/// <summary>
/// checkpoint.json of a QAT run with block-wise replacement (docs/bwrf.md): the blocks (node names joined
/// by ','), the loss settings, and the measured cost of a step: the median seconds of a plain QAT step and
/// of a BWRF step on the same batches (forward, loss, backward), their ratio, and the bound (blocks + 2).
/// The times depend on the machine and its load; the trained tensors do not.
/// </summary>
public sealed record BwrfInfo(
    string[] Blocks,
    double Temperature,
    double CeWeight,
    double KlWeight,
    double QKlWeight,
    double PlainStepSeconds,
    double BwrfStepSeconds,
    double CostRatio,
    double CostBound);
