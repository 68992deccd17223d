using QuantHdl.Engine.Data;
using QuantHdl.Engine.Tensors;

namespace QuantHdl.Quantization;

/// <summary>
/// The static deployment of ASQ (docs/asq.md "Static deployment"): every ASQ quantizer's beta becomes a
/// constant, the mean of its adapter's beta over the first calibration images of the training set.
/// The quantizers are calibrated in node order, each with the ones before it already static, so that
/// each sees the inputs the deployed model gives it.
/// </summary>
public static class AsqCalibration
{
    /// <summary>The default number of calibration images (<c>qat --asq-calib</c>).</summary>
    public const int DefaultImages = 512;

    /// <summary>Largest <c>--asq-calib</c>.</summary>
    public const int MaxImages = 60000;

    /// <summary>Throws <see cref="ArgumentException"/> naming a calibration size outside 1..<see cref="MaxImages"/>.</summary>
    public static void CheckImages(int images)
    {
        if (images < 1 || images > MaxImages) throw new ArgumentException($"--asq-calib {images} is out of range 1..{MaxImages}");
    }

    /// <summary>
    /// Sets every ASQ quantizer's <see cref="AsqActivationQuantizer.StaticBeta"/> from the first
    /// min(<paramref name="images"/>, data size) images of <paramref name="data"/> and leaves them all static.
    /// Returns the betas in node order and the number of images used. The model's training mode is restored.
    /// </summary>
    public static (IReadOnlyList<(string Name, double Beta)> Betas, int Images) Calibrate(QuantGraph model, IdxDataset data, int images = DefaultImages)
    {
        CheckImages(images);
        var subset = images < data.Count ? data.Take(images) : data;
        var asq = model.AsqQuantizers();
        bool wasTraining = model.Training;
        model.Eval();
        model.UseStaticAsq(false);
        var betas = new List<(string, double)>();
        try
        {
            foreach (var (name, q) in asq)
            {
                q.ResetRecord();
                q.Recording = true;
                try
                {
                    using var ng = Tensor.NoGrad();
                    foreach (var batch in new DataLoader(subset, 256, shuffle: false, seed: 0, model.TakesImages))
                    {
                        using var step = Tensor.StepScope();
                        model.Forward(batch.X);
                    }
                }
                finally
                {
                    q.Recording = false;
                }
                double beta = q.MeanBeta;
                if (!(beta > 0) || double.IsInfinity(beta)) throw new InvalidOperationException($"node {name}: ASQ calibration gave beta {beta}; the adapter is not trained to a positive output");
                q.StaticBeta.Data[0] = (float)beta;
                q.Static = true;
                betas.Add((name, q.StaticBeta.Data[0]));
            }
        }
        finally
        {
            model.Train(wasTraining);
        }
        return (betas, subset.Count);
    }
}
