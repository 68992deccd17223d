using QuantHdl.Compiler.Ir;

namespace QuantHdl.Hardware.FoldSearch;

/// <summary>
/// One folding of every dense and conv layer and what the analytic estimator says it costs: the initiation interval
/// (cycles per frame of the slowest node, <see cref="Bottleneck"/>) and the design's estimated LUT, FF, DSP and BRAM.
/// </summary>
public sealed record FoldingPoint(long Interval, long Lut, long Ff, long Dsp, long Bram, string Bottleneck, IReadOnlyDictionary<string, Folding> Folds)
{
    /// <summary>Frames per second at <paramref name="fmaxMhz"/>: one frame per interval.</summary>
    public double FramesPerSecond(double fmaxMhz) => fmaxMhz * 1e6 / Interval;

    /// <summary>The folds as <c>fc1=16x4,fc2=4x1</c>, which <c>compile --fold</c> takes.</summary>
    public string FoldText => string.Join(",", Folds.Select(kv => $"{kv.Key}={kv.Value}"));
}
