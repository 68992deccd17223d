using System.Numerics.Tensors;

namespace QuantHdl.Engine.Tensors;

public static partial class Ops
{
    /// <summary>Sum of all elements, as a scalar tensor.</summary>
    public static Tensor Sum(Tensor x)
    {
        x.ThrowIfReleased();
        var y = Tensor.RentBuffer(1);
        y[0] = TensorPrimitives.Sum<float>(x.Data);
        return Tensor.FromOp(Array.Empty<int>(), y, new[] { x }, r =>
        {
            var gx = x.EnsureGrad();
            TensorPrimitives.Add(gx, r.Grad![0], gx);
        });
    }

    /// <summary>Mean of all elements, as a scalar tensor.</summary>
    public static Tensor Mean(Tensor x)
    {
        x.ThrowIfReleased();
        if (x.Numel == 0) throw new ArgumentException("Mean of an empty tensor is undefined.");
        int n = x.Numel;
        var y = Tensor.RentBuffer(1);
        y[0] = TensorPrimitives.Sum<float>(x.Data) / n;
        return Tensor.FromOp(Array.Empty<int>(), y, new[] { x }, r =>
        {
            var gx = x.EnsureGrad();
            TensorPrimitives.Add(gx, r.Grad![0] / n, gx);
        });
    }

    /// <summary>Index of the largest value in each row of a [B, C] tensor (first one on ties). Not differentiable.</summary>
    public static int[] ArgMax(Tensor x)
    {
        CheckRank(x, 2, nameof(ArgMax), "x");
        int rows = x.Dim(0), cols = x.Dim(1);
        var result = new int[rows];
        ArgMax(x, result);
        return result;
    }

    /// <summary>Row-wise argmax of a [B, C] tensor into <paramref name="result"/> (length B), without allocating.</summary>
    public static void ArgMax(Tensor x, Span<int> result)
    {
        CheckRank(x, 2, nameof(ArgMax), "x");
        int rows = x.Dim(0), cols = x.Dim(1);
        if (result.Length < rows) throw new ArgumentException($"ArgMax: result has {result.Length} slots, needs {rows}.");
        if (cols == 0) throw new ArgumentException("ArgMax: rows are empty.");
        var d = x.Data.AsSpan();
        for (int i = 0; i < rows; i++)
        {
            var row = d.Slice(i * cols, cols);
            int best = 0;
            float bv = row[0];
            for (int j = 1; j < cols; j++)
                if (row[j] > bv) { bv = row[j]; best = j; }
            result[i] = best;
        }
    }
}
