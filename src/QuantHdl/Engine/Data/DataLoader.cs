using System.Collections;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using QuantHdl.Engine.Tensors;

namespace QuantHdl.Engine.Data;

/// <summary>
/// Iterates a dataset in mini-batches of <c>X = pixel / 255f</c> and labels. X is [B, Rows*Cols] for MLPs (the
/// default) or, with <c>asImages</c>, [B, 1, Rows, Cols] (NCHW, one channel) for convolutional models; the values
/// are the same, only the shape differs.
/// The last batch is smaller when the batch size does not divide the count (nothing is dropped).
/// </summary>
/// <remarks>
/// <para>Buffers are reused: the <see cref="Batch"/> returned by the enumerator is only valid until the
/// enumerator moves on. Copy (<see cref="Tensor.Clone"/>) what must outlive it.</para>
/// <para>Determinism: the order of epoch e (the e-th enumeration) depends only on the seed and e.
/// Enumerate one epoch at a time; concurrent enumerations of one loader are not supported.</para>
/// </remarks>
public sealed class DataLoader : IEnumerable<Batch>
{
    private readonly Random _rng;
    private readonly int[] _order;
    private readonly Tensor _x;
    private readonly int[] _labels;
    private readonly Tensor? _tailX;
    private readonly int[]? _tailLabels;

    /// <summary>Creates the loader and its batch buffers.</summary>
    /// <param name="ds">Dataset to read.</param>
    /// <param name="batchSize">Samples per batch (the last batch may be smaller).</param>
    /// <param name="shuffle">Shuffle the order at the start of every epoch.</param>
    /// <param name="seed">Seed of the shuffling generator.</param>
    /// <param name="asImages">Hand X as [B, 1, Rows, Cols] instead of [B, Rows*Cols].</param>
    public DataLoader(IdxDataset ds, int batchSize, bool shuffle, int seed, bool asImages = false)
    {
        ArgumentNullException.ThrowIfNull(ds);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        Dataset = ds;
        BatchSize = batchSize;
        Shuffle = shuffle;
        _rng = new Random(seed);
        _order = new int[ds.Count];
        int f = ds.Features;
        int full = Math.Min(batchSize, ds.Count);
        AsImages = asImages;
        _x = new Tensor(BatchShape(full), new float[full * f]);
        _labels = new int[full];
        int tail = ds.Count % batchSize;
        if (tail != 0 && ds.Count > batchSize)
        {
            _tailX = new Tensor(BatchShape(tail), new float[tail * f]);
            _tailLabels = new int[tail];
        }
    }

    /// <summary>The dataset.</summary>
    public IdxDataset Dataset { get; }

    /// <summary>Samples per full batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch is shuffled.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether X is [B, 1, Rows, Cols] (true) or [B, Rows*Cols] (false).</summary>
    public bool AsImages { get; }

    /// <summary>Batches per epoch.</summary>
    public int BatchCount => (Dataset.Count + BatchSize - 1) / BatchSize;

    /// <summary>Enumerates one epoch. The yielded batch's buffers are overwritten by the next batch.</summary>
    public IEnumerator<Batch> GetEnumerator()
    {
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        if (Shuffle)
        {
            for (int i = _order.Length - 1; i > 0; i--)
            {
                int j = _rng.Next(i + 1);
                (_order[i], _order[j]) = (_order[j], _order[i]);
            }
        }
        int n = Dataset.Count, f = Dataset.Features;
        for (int start = 0; start < n; start += BatchSize)
        {
            int count = Math.Min(BatchSize, n - start);
            var x = count == _labels.Length ? _x : _tailX!;
            var labels = count == _labels.Length ? _labels : _tailLabels!;
            for (int r = 0; r < count; r++)
            {
                int idx = _order[start + r];
                Fill(Dataset.Images.AsSpan(idx * f, f), x.Data.AsSpan(r * f, f));
                labels[r] = Dataset.Labels[idx];
            }
            yield return new Batch(x, labels, count);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int[] BatchShape(int count) =>
        AsImages ? new[] { count, 1, Dataset.Rows, Dataset.Cols } : new[] { count, Dataset.Features };

    /// <summary>pixel / 255f, with IEEE division so values equal PyTorch's ToTensor bit for bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Fill(ReadOnlySpan<byte> src, Span<float> dst)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // One pass: 64 bytes -> 4 x 16 floats.
            var div = Vector512.Create(255f);
            ref byte s = ref MemoryMarshal.GetReference(src);
            ref float d = ref MemoryMarshal.GetReference(dst);
            for (; i <= src.Length - 64; i += 64)
            {
                var bytes = Vector512.LoadUnsafe(ref s, (nuint)i);
                var (lo, hi) = Vector512.Widen(bytes);
                var (w0, w1) = Vector512.Widen(lo);
                var (w2, w3) = Vector512.Widen(hi);
                (Vector512.ConvertToSingle(w0) / div).StoreUnsafe(ref d, (nuint)i);
                (Vector512.ConvertToSingle(w1) / div).StoreUnsafe(ref d, (nuint)(i + 16));
                (Vector512.ConvertToSingle(w2) / div).StoreUnsafe(ref d, (nuint)(i + 32));
                (Vector512.ConvertToSingle(w3) / div).StoreUnsafe(ref d, (nuint)(i + 48));
            }
        }
        TensorPrimitives.ConvertChecked<byte, float>(src[i..], dst[i..]);
        TensorPrimitives.Divide(dst[i..], 255f, dst[i..]);
    }
}
