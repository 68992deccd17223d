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

    /// <summary>
    /// Mean over the rows of <c>KL(softmax(teacher/T) || softmax(student/T))</c> for logits [B, C], the
    /// distillation term of docs/bwrf.md: <c>(1/B) sum_i sum_c p_ic (log p_ic - log q_ic)</c> with
    /// <c>p = softmax(teacher/T)</c> and <c>q = softmax(student/T)</c>, and <c>0 log 0 = 0</c>. Returns a scalar.
    /// The teacher is a constant target: it must not require grad (compute it under <see cref="Tensor.NoGrad"/>).
    /// The gradient is <c>d/dstudent_ic = (q_ic - p_ic) / (T B)</c>; no <c>T^2</c> factor is applied.
    /// </summary>
    public static Tensor KlDivergence(Tensor student, Tensor teacher, float temperature)
    {
        CheckRank(student, 2, nameof(KlDivergence), "student");
        CheckSameShape(student, teacher, nameof(KlDivergence));
        if (teacher.RequiresGrad) throw new ArgumentException("KlDivergence: the teacher logits require grad; the teacher is a constant target, compute it under Tensor.NoGrad()");
        if (!(temperature > 0) || !float.IsFinite(temperature)) throw new ArgumentException($"KlDivergence: temperature {temperature} must be positive and finite");
        int rows = student.Dim(0), cols = student.Dim(1);
        if (rows == 0) throw new ArgumentException("KlDivergence: empty batch.");
        float inv = 1f / temperature;
        // q holds softmax(student/T) for the backward pass; p is scratch for the teacher's.
        var q = Tensor.RentBuffer(student.Numel);
        var p = Tensor.RentBuffer(student.Numel);
        var scratch = Tensor.RentBuffer(cols);
        double total = 0;
        for (int i = 0; i < rows; i++)
        {
            var sr = q.AsSpan(i * cols, cols);
            var tr = p.AsSpan(i * cols, cols);
            TensorPrimitives.Multiply(student.Data.AsSpan(i * cols, cols), inv, sr);
            TensorPrimitives.Multiply(teacher.Data.AsSpan(i * cols, cols), inv, tr);
            float lseS = LogSumExp(sr, scratch), lseT = LogSumExp(tr, scratch);
            // log p - log q = (t/T - lseT) - (s/T - lseS).
            double row = 0;
            for (int j = 0; j < cols; j++)
            {
                float logP = tr[j] - lseT, logQ = sr[j] - lseS;
                float pj = MathF.Exp(logP);
                if (pj > 0) row += pj * (double)(logP - logQ);
                tr[j] = pj;
                sr[j] = MathF.Exp(logQ);
            }
            total += row;
        }
        var y = Tensor.RentBuffer(1);
        y[0] = (float)(total / rows);
        return Tensor.FromOp(Array.Empty<int>(), y, new[] { student }, r =>
        {
            float scale = r.Grad![0] / (rows * temperature);
            var gx = student.EnsureGrad();
            for (int k = 0; k < gx.Length; k++) gx[k] += scale * (q[k] - p[k]);
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
