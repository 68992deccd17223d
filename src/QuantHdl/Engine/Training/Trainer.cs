using System.Diagnostics;
using QuantHdl.Engine.Data;
using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Optim;
using QuantHdl.Engine.Tensors;

namespace QuantHdl.Engine.Training;

/// <summary>
/// The standard classification loop: <c>ZeroGrad → Forward → CrossEntropy → Backward → Step</c>, one
/// <see cref="StepScope"/> per batch.
/// </summary>
/// <remarks>
/// Every tensor created during a batch (activations, loss, their gradients, buffers rented by custom ops)
/// is released when the batch's scope ends, and its buffers are recycled for the next batch. Parameters,
/// their gradients and optimizer state live outside the scopes and are never pooled. Callbacks run after
/// the scope has ended, so they must not hold on to tensors of the step.
/// </remarks>
public static class Trainer
{
    /// <summary>Trains <paramref name="model"/> for one pass over <paramref name="loader"/> (puts the model in training mode).</summary>
    /// <param name="model">Network mapping [B, features] to logits [B, classes].</param>
    /// <param name="loader">Mini-batches.</param>
    /// <param name="opt">Optimizer over the parameters to train; its <see cref="Optimizer.ZeroGrad"/> runs before each batch.</param>
    /// <param name="onBatch">Optional progress callback: batch index, batch count, running mean loss.</param>
    /// <param name="afterStep">Optional callback after each optimizer step (e.g. a learning-rate schedule).</param>
    /// <param name="epoch">1-based number of this epoch, for the error message of a diverged run.</param>
    /// <param name="objective">
    /// The loss of a batch and the logits its accuracy is counted on; null: <c>CrossEntropy(model.Forward(x), labels)</c>.
    /// Block-wise replacement (docs/bwrf.md) passes its own.
    /// </param>
    /// <exception cref="TrainingDivergedException">A batch's loss is NaN or infinite; thrown before that batch changes any parameter.</exception>
    public static EpochStats TrainEpoch(Module model, DataLoader loader, Optimizer opt,
        Action<int, int, double>? onBatch = null, Action? afterStep = null, int epoch = 1,
        Func<Tensor, int[], (Tensor Loss, Tensor Logits)>? objective = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loader);
        ArgumentNullException.ThrowIfNull(opt);
        model.Train();
        var sw = Stopwatch.StartNew();
        int batches = loader.BatchCount, index = 0, images = 0, correct = 0;
        double lossSum = 0;
        var predicted = new int[loader.BatchSize];
        foreach (var batch in loader)
        {
            double loss;
            using (Tensor.StepScope())
            {
                opt.ZeroGrad();
                Tensor logits, lossT;
                if (objective is null)
                {
                    logits = model.Forward(batch.X);
                    lossT = Ops.CrossEntropy(logits, batch.Labels);
                }
                else
                {
                    (lossT, logits) = objective(batch.X, batch.Labels);
                }
                loss = lossT.Item();
                // Stop before the step: a NaN gradient would spread to every parameter and hide the origin.
                if (!double.IsFinite(loss))
                    throw new TrainingDivergedException($"epoch {epoch}, batch {index + 1}/{batches}: the loss is {loss}; {Locate(model, batch.X)}; " +
                        "lower the learning rate, or check the weight and activation codes");
                lossT.Backward();
                opt.Step();
                Ops.ArgMax(logits, predicted);
            }
            for (int i = 0; i < batch.Count; i++)
                if (predicted[i] == batch.Labels[i]) correct++;
            lossSum += loss * batch.Count;
            images += batch.Count;
            afterStep?.Invoke();
            onBatch?.Invoke(index, batches, lossSum / images);
            index++;
        }
        sw.Stop();
        return new EpochStats(images > 0 ? lossSum / images : double.NaN, images > 0 ? (double)correct / images : 0, images, index, sw.Elapsed);
    }

    /// <summary>Names the stage (or else the parameter) holding the first non-finite value.</summary>
    private static string Locate(Module model, Tensor x)
    {
        using var noGrad = Tensor.NoGrad();
        IEnumerable<(string Name, Tensor Output)>? stages = model switch
        {
            IStagedModule s => s.ForwardStages(x),
            Sequential seq => SequentialStages(seq, x),
            _ => null,
        };
        if (stages is not null)
            foreach (var (name, y) in stages)
                if (!AllFinite(y))
                {
                    var bad = model.NamedParameters().FirstOrDefault(p => p.Name.StartsWith(name + ".", StringComparison.Ordinal) && !AllFinite(p.Param));
                    return bad.Param is null
                        ? $"layer {name} produced the first non-finite value"
                        : $"layer {name} produced the first non-finite value (its parameter {bad.Name} is not finite)";
                }
        foreach (var (name, p) in model.NamedParameters())
            if (!AllFinite(p)) return $"parameter {name} is not finite";
        return "no single layer's output is non-finite (the loss itself overflowed)";
    }

    private static IEnumerable<(string, Tensor)> SequentialStages(Sequential seq, Tensor x)
    {
        foreach (var (name, m) in seq.NamedChildren())
        {
            x = m.Forward(x);
            yield return (name, x);
        }
    }

    private static bool AllFinite(Tensor t)
    {
        var d = t.Data;
        for (int i = 0; i < t.Numel; i++) if (!float.IsFinite(d[i])) return false;
        return true;
    }

    /// <summary>
    /// Top-1 accuracy in [0, 1] of <paramref name="model"/> on <paramref name="ds"/>, computed under
    /// <see cref="Tensor.NoGrad"/> in evaluation mode. The model's previous mode is restored.
    /// </summary>
    /// <param name="model">The network.</param>
    /// <param name="ds">Samples to classify.</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    /// <param name="asImages">Feed [B, 1, Rows, Cols] (convolutional models) instead of [B, Rows*Cols].</param>
    public static double Evaluate(Module model, IdxDataset ds, int batchSize = 256, bool asImages = false)
    {
        ArgumentNullException.ThrowIfNull(ds);
        if (ds.Count == 0) return 0;
        var pred = Predict(model, ds, batchSize, asImages);
        int correct = 0;
        for (int i = 0; i < pred.Length; i++)
            if (pred[i] == ds.Labels[i]) correct++;
        return (double)correct / ds.Count;
    }

    /// <summary>
    /// Predicted class (argmax of the logits) of every sample of <paramref name="ds"/>, in dataset order,
    /// under <see cref="Tensor.NoGrad"/> in evaluation mode. The model's previous mode is restored.
    /// </summary>
    /// <param name="model">The network.</param>
    /// <param name="ds">Samples to classify.</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    /// <param name="asImages">Feed [B, 1, Rows, Cols] (convolutional models) instead of [B, Rows*Cols].</param>
    public static int[] Predict(Module model, IdxDataset ds, int batchSize = 256, bool asImages = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(ds);
        var result = new int[ds.Count];
        if (ds.Count == 0) return result;
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            using var noGrad = Tensor.NoGrad();
            var loader = new DataLoader(ds, batchSize, shuffle: false, seed: 0, asImages);
            int offset = 0;
            foreach (var batch in loader)
            {
                using (Tensor.StepScope())
                {
                    var logits = model.Forward(batch.X);
                    if (logits.Rank != 2 || logits.Dim(0) != batch.Count)
                        throw new InvalidOperationException($"model output has shape [{string.Join(", ", logits.Shape)}], expected [{batch.Count}, classes].");
                    Ops.ArgMax(logits, result.AsSpan(offset, batch.Count));
                }
                offset += batch.Count;
            }
        }
        finally
        {
            model.Train(wasTraining);
        }
        return result;
    }
}
