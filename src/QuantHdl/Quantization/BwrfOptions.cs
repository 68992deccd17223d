using System.Globalization;

namespace QuantHdl.Quantization;

/// <summary>
/// The settings of block-wise replacement training (docs/bwrf.md): the loss is
/// <c>CE(Q) + sum_i [CeWeight * CE(M_i) + KlWeight * KL(F || M_i)] + QKlWeight * KL(F || Q)</c>, every KL
/// taken between softmaxes at <see cref="Temperature"/>. <see cref="Blocks"/> names the nodes that end a
/// block (null: the default split of <see cref="BwrfBlocks"/>).
/// </summary>
public sealed record BwrfOptions
{
    /// <summary>Softmax temperature T of every KL term.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Weight of each mixed path's cross-entropy <c>CE(M_i)</c>.</summary>
    public double CeWeight { get; init; } = 1.0;

    /// <summary>Weight of each mixed path's distillation term <c>KL(F || M_i)</c>.</summary>
    public double KlWeight { get; init; } = 1.0;

    /// <summary>Weight of the optional <c>KL(F || Q)</c> of the fully quantized net; 0 leaves it out.</summary>
    public double QKlWeight { get; init; }

    /// <summary>The nodes after which a block ends, in any order; null for the default split.</summary>
    public IReadOnlyList<string>? Blocks { get; init; }

    /// <summary>Training batches timed for the cost report (after one untimed warm-up each way).</summary>
    public int CostSteps { get; init; } = 30;

    /// <summary>Parses <c>--bwrf-blocks</c>: node names separated by commas; null or blank for the default split.</summary>
    public static IReadOnlyList<string>? ParseBlocks(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var names = text.Split(',').Select(s => s.Trim()).ToArray();
        if (names.Any(n => n.Length == 0)) throw new ArgumentException($"--bwrf-blocks '{text}' has an empty name; give node names separated by commas, e.g. relu1,relu2");
        return names;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad value; returns this.</summary>
    public BwrfOptions Check()
    {
        var c = CultureInfo.InvariantCulture;
        if (!(Temperature >= 0.05 && Temperature <= 100)) throw new ArgumentException(string.Create(c, $"--bwrf-temperature {Temperature} is out of range 0.05..100"));
        foreach (var (name, w) in new[] { ("--bwrf-ce-weight", CeWeight), ("--bwrf-kl-weight", KlWeight), ("--bwrf-q-kl-weight", QKlWeight) })
            if (!(w >= 0 && w <= 100)) throw new ArgumentException(string.Create(c, $"{name} {w} is out of range 0..100"));
        if (CostSteps < 1 || CostSteps > 1000) throw new ArgumentException($"BWRF cost steps {CostSteps} is out of range 1..1000");
        return this;
    }

    /// <summary>The settings as one line, for messages and the checkpoint.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"T {Temperature}, CE(M_i) weight {CeWeight}, KL(F||M_i) weight {KlWeight}, KL(F||Q) weight {QKlWeight}");
}
