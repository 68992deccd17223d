using System.Numerics.Tensors;

namespace QuantHdl.Engine.Tensors;

/// <summary>
/// The closed set of differentiable tensor operations. Each op computes its result into a pooled buffer
/// (see <see cref="StepScope"/>) and records one backward closure that accumulates into its inputs' gradients.
/// New ops outside this class use <see cref="Tensor.FromOp"/>.
/// </summary>
public static partial class Ops
{
    /// <summary>Elementwise <c>a + b</c>; shapes must be equal.</summary>
    public static Tensor Add(Tensor a, Tensor b)
    {
        CheckSameShape(a, b, nameof(Add));
        var y = Tensor.RentBuffer(a.Numel);
        TensorPrimitives.Add(a.Data, b.Data, y);
        return Tensor.FromOp(a.Shape, y, new[] { a, b }, r =>
        {
            var g = r.Grad!;
            if (a.RequiresGrad) AddGrad(a, g);
            if (b.RequiresGrad) AddGrad(b, g);
        });
    }

    /// <summary>Elementwise <c>a - b</c>; shapes must be equal.</summary>
    public static Tensor Sub(Tensor a, Tensor b)
    {
        CheckSameShape(a, b, nameof(Sub));
        var y = Tensor.RentBuffer(a.Numel);
        TensorPrimitives.Subtract(a.Data, b.Data, y);
        return Tensor.FromOp(a.Shape, y, new[] { a, b }, r =>
        {
            var g = r.Grad!;
            if (a.RequiresGrad) AddInto(a.EnsureGrad(), g);
            if (b.RequiresGrad) TensorPrimitives.Subtract(b.EnsureGrad(), g, b.Grad);
        });
    }

    /// <summary>Elementwise <c>a * b</c>; shapes must be equal.</summary>
    public static Tensor Mul(Tensor a, Tensor b)
    {
        CheckSameShape(a, b, nameof(Mul));
        var y = Tensor.RentBuffer(a.Numel);
        TensorPrimitives.Multiply(a.Data, b.Data, y);
        return Tensor.FromOp(a.Shape, y, new[] { a, b }, r =>
        {
            var g = r.Grad!;
            if (a.RequiresGrad) { var ga = a.EnsureGrad(); TensorPrimitives.MultiplyAdd(g, b.Data, ga, ga); }
            if (b.RequiresGrad) { var gb = b.EnsureGrad(); TensorPrimitives.MultiplyAdd(g, a.Data, gb, gb); }
        });
    }

    /// <summary><c>x * factor</c> for a constant <paramref name="factor"/>.</summary>
    public static Tensor Scale(Tensor x, float factor)
    {
        var y = Tensor.RentBuffer(x.Numel);
        TensorPrimitives.Multiply(x.Data, factor, y);
        return Tensor.FromOp(x.Shape, y, new[] { x }, r =>
        {
            var gx = x.EnsureGrad();
            TensorPrimitives.MultiplyAdd(r.Grad!, factor, gx, gx);
        });
    }

    /// <summary>Elementwise <c>max(x, 0)</c>; the gradient at exactly 0 is 0 (as in PyTorch).</summary>
    public static Tensor Relu(Tensor x)
    {
        var y = Tensor.RentBuffer(x.Numel);
        TensorPrimitives.Max(x.Data, 0f, y);
        return Tensor.FromOp(x.Shape, y, new[] { x }, r =>
        {
            var gx = x.GradForWrite(out bool fresh);
            Simd.ReluGrad(r.Data, r.Grad!, gx, accumulate: !fresh, fromZero: fresh);
        });
    }

    /// <summary>A view of <paramref name="x"/> with a new shape (one dimension may be -1). See <see cref="Tensor.Reshape"/>.</summary>
    public static Tensor Reshape(Tensor x, params int[] shape) => x.Reshape(shape);

    /// <summary>Reshapes to [Dim(0), rest]. See <see cref="Tensor.Flatten"/>.</summary>
    public static Tensor Flatten(Tensor x) => x.Flatten();

    private static void AddInto(float[] dst, float[] src) => TensorPrimitives.Add(dst, src, dst);

    /// <summary>
    /// <c>t.Grad += g</c>; when no gradient has flowed into <paramref name="t"/> yet, one pass storing <c>g + 0</c>
    /// (the same bits as adding into a zero-filled buffer) instead of clearing a buffer and adding.
    /// </summary>
    private static void AddGrad(Tensor t, float[] g)
    {
        var dst = t.GradForWrite(out bool fresh);
        if (fresh) TensorPrimitives.Add(g, 0f, dst);
        else AddInto(dst, g);
    }

    private static void CheckSameShape(Tensor a, Tensor b, string op)
    {
        a.ThrowIfReleased();
        b.ThrowIfReleased();
        if (!a.Shape.AsSpan().SequenceEqual(b.Shape))
            throw new ArgumentException($"{op}: shapes [{string.Join(", ", a.Shape)}] and [{string.Join(", ", b.Shape)}] differ; this op does not broadcast.");
    }

    private static void CheckRank(Tensor t, int rank, string op, string what)
    {
        t.ThrowIfReleased();
        if (t.Rank != rank)
            throw new ArgumentException($"{op}: {what} must have rank {rank}, got shape [{string.Join(", ", t.Shape)}].");
    }
}
