using QuantHdl.Engine.Tensors;

namespace QuantHdl.Engine.Data;

/// <summary>
/// One mini-batch from a <see cref="DataLoader"/>: inputs <paramref name="X"/> [Count, Rows*Cols] with pixel/255
/// (or [Count, 1, Rows, Cols] from a loader made with <c>asImages</c>),
/// and class indices <paramref name="Labels"/> (length Count). Both buffers are reused by the loader:
/// a batch is only valid until the next one is produced.
/// </summary>
public readonly record struct Batch(Tensor X, int[] Labels, int Count);
