using QuantHdl.Engine.Data;
using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;

namespace QuantHdl.Quantization;

/// <summary>
/// The step of the signed 16-bit logits of a fake-quant network (<see cref="QuantGraph"/>): twice the largest |logit| over the first samples, over 32767.
/// </summary>
public static class LogitCalibration
{
    /// <summary>
    /// Runs <paramref name="model"/> in evaluation mode on the first <paramref name="samples"/> of
    /// <paramref name="data"/> (in order, 256 per batch; [N, 1, H, W] when <paramref name="asImages"/>)
    /// and returns max(2 max |logit|, 1e-6) / 32767. The model's previous mode is restored.
    /// </summary>
    public static double Step(Module model, IdxDataset data, bool asImages, int samples = 2048)
    {
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            float max = 0;
            var loader = new DataLoader(data, 256, shuffle: false, seed: 0, asImages);
            int seen = 0;
            foreach (var batch in loader)
            {
                using var step = Tensor.StepScope();
                using var ng = Tensor.NoGrad();
                var y = model.Forward(batch.X);
                for (int i = 0; i < batch.Count * y.Dim(1); i++) max = Math.Max(max, Math.Abs(y.Data[i]));
                seen += batch.Count;
                if (seen >= samples) break;
            }
            // Headroom of 2x: logits beyond the calibration set saturate later rather than at once.
            return Math.Max(2.0 * max, 1e-6) / 32767.0;
        }
        finally
        {
            model.Train(wasTraining);
        }
    }
}
