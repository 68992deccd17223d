namespace QuantHdl.Engine.Training;

/// <summary>Summary of one training epoch.</summary>
/// <param name="MeanLoss">Sample-weighted mean of the batch losses.</param>
/// <param name="TrainAccuracy">Fraction of samples whose logits' argmax matched the label, measured during training.</param>
/// <param name="Images">Samples seen.</param>
/// <param name="Batches">Optimizer steps taken.</param>
/// <param name="Elapsed">Wall-clock time of the epoch (including data loading and callbacks).</param>
public sealed record EpochStats(double MeanLoss, double TrainAccuracy, int Images, int Batches, TimeSpan Elapsed)
{
    /// <summary>Training throughput.</summary>
    public double ImagesPerSecond => Elapsed.TotalSeconds > 0 ? Images / Elapsed.TotalSeconds : 0;
}
