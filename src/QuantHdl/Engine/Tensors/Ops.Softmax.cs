using System.Numerics.Tensors;

namespace QuantHdl.Engine.Tensors;

public static partial class Ops
{
    /// <summary>Softmax along the last dimension (max-subtracted, numerically stable).</summary>
    public static Tensor Softmax(Tensor x)
    {
        x.ThrowIfReleased();
        if (x.Rank == 0) throw new ArgumentException("Softmax needs at least one dimension.");
        int cols = x.Dim(-1), rows = cols == 0 ? 0 : x.Numel / cols;
        var y = Tensor.RentBuffer(x.Numel);
        for (int i = 0; i < rows; i++)
        {
            var xr = x.Data.AsSpan(i * cols, cols);
            var yr = y.AsSpan(i * cols, cols);
            float max = TensorPrimitives.Max<float>(xr);
            TensorPrimitives.Subtract(xr, max, yr);
            TensorPrimitives.Exp(yr, yr);
            TensorPrimitives.Multiply(yr, 1f / TensorPrimitives.Sum<float>(yr), yr);
        }
        return Tensor.FromOp(x.Shape, y, new[] { x }, r =>
        {
            // dx = y * (dy - sum(dy * y)) per row.
            var gx = x.EnsureGrad();
            var g = r.Grad!;
            for (int i = 0; i < rows; i++)
            {
                var yr = r.Data.AsSpan(i * cols, cols);
                var gr = g.AsSpan(i * cols, cols);
                var gxr = gx.AsSpan(i * cols, cols);
                float dot = TensorPrimitives.Dot(gr, yr);
                for (int j = 0; j < cols; j++) gxr[j] += yr[j] * (gr[j] - dot);
            }
        });
    }

    /// <summary>Log-softmax along the last dimension (log-sum-exp with the row maximum subtracted).</summary>
    public static Tensor LogSoftmax(Tensor x)
    {
        x.ThrowIfReleased();
        if (x.Rank == 0) throw new ArgumentException("LogSoftmax needs at least one dimension.");
        int cols = x.Dim(-1), rows = cols == 0 ? 0 : x.Numel / cols;
        var y = Tensor.RentBuffer(x.Numel);
        for (int i = 0; i < rows; i++)
        {
            var xr = x.Data.AsSpan(i * cols, cols);
            var yr = y.AsSpan(i * cols, cols);
            TensorPrimitives.Subtract(xr, LogSumExp(xr, yr), yr);
        }
        return Tensor.FromOp(x.Shape, y, new[] { x }, r =>
        {
            // dx = dy - softmax * sum(dy) per row, softmax = exp(y).
            var gx = x.EnsureGrad();
            var g = r.Grad!;
            for (int i = 0; i < rows; i++)
            {
                var yr = r.Data.AsSpan(i * cols, cols);
                var gr = g.AsSpan(i * cols, cols);
                var gxr = gx.AsSpan(i * cols, cols);
                float s = TensorPrimitives.Sum<float>(gr);
                for (int j = 0; j < cols; j++) gxr[j] += gr[j] - MathF.Exp(yr[j]) * s;
            }
        });
    }

    /// <summary>
    /// Mean cross-entropy of <paramref name="logits"/> [B, C] against class indices <paramref name="labels"/> (length B),
    /// with a fused, numerically stable log-softmax. Returns a scalar.
    /// </summary>
    /// <remarks>The backward closure reads <paramref name="labels"/>: do not overwrite it before <see cref="Tensor.Backward"/>.</remarks>
    public static Tensor CrossEntropy(Tensor logits, int[] labels)
    {
        CheckRank(logits, 2, nameof(CrossEntropy), "logits");
        ArgumentNullException.ThrowIfNull(labels);
        int rows = logits.Dim(0), cols = logits.Dim(1);
        if (labels.Length != rows) throw new ArgumentException($"CrossEntropy: {labels.Length} labels for a batch of {rows} rows.");
        if (rows == 0) throw new ArgumentException("CrossEntropy: empty batch.");
        var probs = Tensor.RentBuffer(logits.Numel);
        double total = 0;
        for (int i = 0; i < rows; i++)
        {
            int label = labels[i];
            if ((uint)label >= (uint)cols) throw new ArgumentException($"CrossEntropy: label {label} at row {i} is outside [0, {cols - 1}].");
            var xr = logits.Data.AsSpan(i * cols, cols);
            var pr = probs.AsSpan(i * cols, cols);
            float lse = LogSumExp(xr, pr);
            total += lse - xr[label];
            // pr holds exp(x - max); turn it into the softmax.
            TensorPrimitives.Subtract(xr, lse, pr);
            TensorPrimitives.Exp(pr, pr);
        }
        var y = Tensor.RentBuffer(1);
        y[0] = (float)(total / rows);
        return Tensor.FromOp(Array.Empty<int>(), y, new[] { logits }, r =>
        {
            // d/dx_ic of mean CE = (softmax_ic - [c == label_i]) / B.
            float scale = r.Grad![0] / rows;
            var gx = logits.EnsureGrad();
            TensorPrimitives.MultiplyAdd(probs, scale, gx, gx);
            for (int i = 0; i < rows; i++) gx[i * cols + labels[i]] -= scale;
        });
    }

    /// <summary>log(sum(exp(x))) of one row; <paramref name="scratch"/> receives exp(x - max).</summary>
    private static float LogSumExp(ReadOnlySpan<float> x, Span<float> scratch)
    {
        float max = TensorPrimitives.Max<float>(x);
        if (float.IsNegativeInfinity(max)) return max;
        TensorPrimitives.Subtract(x, max, scratch);
        TensorPrimitives.Exp(scratch, scratch);
        return max + MathF.Log(TensorPrimitives.Sum<float>(scratch));
    }
}
