using QuantHdl.Arithmetic;

namespace QuantHdl.Ptq;

/// <summary>How a clipping range is chosen (docs/ptq.md, "Range setting").</summary>
public enum RangeMethod
{
    /// <summary>The largest magnitude: nothing clips.</summary>
    MinMax,

    /// <summary>The clip that minimises the squared quantization error, by grid and golden-section search.</summary>
    Mse,

    /// <summary>A percentile of the magnitudes.</summary>
    Percentile,
}

/// <summary>
/// The post-training pipeline's settings. The defaults are the white paper's standard pipeline
/// (docs/ptq.md): BN folding, cross-layer equalization, bias absorption, MSE per-channel weight
/// ranges, AdaRound, MSE activation ranges, 1024 calibration samples.
/// </summary>
public sealed record PtqOptions(WeightSpec Weights, ActivationSpec Activations)
{
    /// <summary>The narrowest and widest code PTQ takes, weights and activations alike.</summary>
    public const int MinBits = 2, MaxBits = 16;

    /// <summary>Cross-layer equalization over ReLU-joined pairs.</summary>
    public bool Cle { get; init; } = true;

    /// <summary>Bias absorption after equalization.</summary>
    public bool BiasAbsorption { get; init; } = true;

    /// <summary>Empirical bias correction of every layer's expected output shift.</summary>
    public bool BiasCorrection { get; init; }

    /// <summary>AdaRound's learned rounding instead of round-to-nearest.</summary>
    public bool AdaRound { get; init; } = true;

    /// <summary>How weight clipping ranges are chosen.</summary>
    public RangeMethod WeightRange { get; init; } = RangeMethod.Mse;

    /// <summary>How activation clipping ranges are chosen (the logits always use the cross-entropy criterion).</summary>
    public RangeMethod ActivationRange { get; init; } = RangeMethod.Mse;

    /// <summary>One weight scale per output channel (true) or one per layer.</summary>
    public bool PerChannel { get; init; } = true;

    /// <summary>The percentile of <see cref="RangeMethod.Percentile"/>, in (0, 100].</summary>
    public double Percentile { get; init; } = 99.99;

    /// <summary>Calibration samples, taken from the start of the training set; labels are never read.</summary>
    public int Calibration { get; init; } = 1024;

    /// <summary>AdaRound iterations per layer.</summary>
    public int AdaRoundIterations { get; init; } = AdaRoundSettings.DefaultIterations;

    /// <summary>Seed of AdaRound's mini-batch draws.</summary>
    public int Seed { get; init; }

    /// <summary>The F and multiplier width the integer model is frozen with.</summary>
    public DeploymentSettings Deployment { get; init; } = DeploymentSettings.Default;

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad value.</summary>
    public PtqOptions Check()
    {
        if (Weights.Bits < MinBits || Weights.Bits > MaxBits)
            throw new ArgumentException($"--weights {Weights}: PTQ takes {MinBits} to {MaxBits} bits, not {Weights.Bits}");
        if (Activations.Bits < MinBits || Activations.Bits > MaxBits)
            throw new ArgumentException($"--acts {Activations}: PTQ takes {MinBits} to {MaxBits} bits, not {Activations.Bits}");
        if (Activations.IsAsq)
            throw new ArgumentException($"--acts {Activations}: ASQ's adapter is trained, so PTQ takes uniform activations; use 'quanthdl qat --acts {Activations}'");
        if (Calibration < 1) throw new ArgumentException($"--calib {Calibration} must be at least 1");
        if (AdaRoundIterations < 1 || AdaRoundIterations > 1_000_000) throw new ArgumentException($"--adaround-iters {AdaRoundIterations} is out of range 1..1000000");
        if (!(Percentile > 0 && Percentile <= 100)) throw new ArgumentException($"--percentile {Percentile} must be in (0, 100]");
        Deployment.Check();
        return this;
    }

    /// <summary>The steps that ran, for the checkpoint and the log: e.g. <c>bn-fold, cle, bias-absorption, weights mse per-channel, adaround 1000, acts mse, calib 1024</c>.</summary>
    public string Summary()
    {
        var steps = new List<string> { "bn-fold" };
        if (Cle) steps.Add("cle");
        if (BiasAbsorption) steps.Add("bias-absorption");
        steps.Add($"weights {Name(WeightRange)} {(PerChannel ? "per-channel" : "per-tensor")}");
        steps.Add(AdaRound ? $"adaround {AdaRoundIterations}" : "round-to-nearest");
        if (BiasCorrection) steps.Add("bias-correction");
        steps.Add($"acts {Name(ActivationRange)}");
        steps.Add($"calib {Calibration}");
        return string.Join(", ", steps);
    }

    /// <summary>The method's name as the log and the checkpoint give it.</summary>
    public string Name(RangeMethod m) => m switch
    {
        RangeMethod.MinMax => "min-max",
        RangeMethod.Mse => "mse",
        RangeMethod.Percentile => $"percentile {Percentile}",
    };

    /// <summary>Parses <c>minmax</c>, <c>mse</c> or <c>percentile</c>.</summary>
    public static RangeMethod ParseRange(string text, string option) => text.Trim().ToLowerInvariant() switch
    {
        "minmax" or "min-max" => RangeMethod.MinMax,
        "mse" => RangeMethod.Mse,
        "percentile" => RangeMethod.Percentile,
        _ => throw new ArgumentException($"{option} '{text}' is not minmax, mse or percentile"),
    };
}
