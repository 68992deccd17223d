using System.Numerics.Tensors;

namespace QuantHdl.Engine.Tensors;

public static partial class Ops
{
    /// <summary>Matrix product of <paramref name="a"/> [M, K] and <paramref name="b"/> [K, N], giving [M, N].</summary>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        CheckRank(a, 2, nameof(MatMul), "a");
        CheckRank(b, 2, nameof(MatMul), "b");
        int m = a.Dim(0), k = a.Dim(1), n = b.Dim(1);
        if (b.Dim(0) != k)
            throw new ArgumentException($"MatMul: inner dimensions differ, a is [{m}, {k}] and b is [{b.Dim(0)}, {n}].");
        var y = Tensor.RentBuffer(m * n);
        Gemm.Sgemm(false, false, m, n, k, a.Data, k, b.Data, n, y, n, accumulate: false);
        return Tensor.FromOp(new[] { m, n }, y, new[] { a, b }, r =>
        {
            var g = r.Grad!;
            // dA += dY · Bᵀ ; dB += Aᵀ · dY
            if (a.RequiresGrad) Gemm.Sgemm(false, true, m, k, n, g, n, b.Data, n, a.EnsureGrad(), k, accumulate: true);
            if (b.RequiresGrad) Gemm.Sgemm(true, false, k, n, m, a.Data, k, g, n, b.EnsureGrad(), n, accumulate: true);
        });
    }

    /// <summary>
    /// Affine layer in PyTorch layout: <c>x · wᵀ + b</c> with <paramref name="x"/> [B, in],
    /// <paramref name="w"/> [out, in], <paramref name="b"/> [out] or null. Returns [B, out].
    /// The input gradient is only computed when <paramref name="x"/> requires grad.
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor w, Tensor? b = null) => LinearCore(x, w, b, relu: false);

    /// <summary>
    /// Fused <c>Relu(Linear(x, w, b))</c>: the same values and gradients, without materializing the pre-activation.
    /// </summary>
    public static Tensor LinearRelu(Tensor x, Tensor w, Tensor? b = null) => LinearCore(x, w, b, relu: true);

    private static Tensor LinearCore(Tensor x, Tensor w, Tensor? b, bool relu)
    {
        string op = relu ? nameof(LinearRelu) : nameof(Linear);
        CheckRank(x, 2, op, "x");
        CheckRank(w, 2, op, "w");
        int batch = x.Dim(0), nIn = x.Dim(1), nOut = w.Dim(0);
        if (w.Dim(1) != nIn)
            throw new ArgumentException($"{op}: x is [{batch}, {nIn}] but w is [{nOut}, {w.Dim(1)}]; w must be [out, in] with in = {nIn}.");
        if (b != null)
        {
            CheckRank(b, 1, op, "b");
            if (b.Dim(0) != nOut) throw new ArgumentException($"{op}: bias has {b.Dim(0)} elements, w has {nOut} outputs.");
        }

        var y = Tensor.RentBuffer(batch * nOut);
        if (b != null)
        {
            // Seed every row with the bias, then accumulate x·wᵀ on top of it.
            for (int i = 0; i < batch; i++) b.Data.AsSpan().CopyTo(y.AsSpan(i * nOut, nOut));
        }
        Gemm.Sgemm(false, true, batch, nOut, nIn, x.Data, nIn, w.Data, nIn, y, nOut, accumulate: b != null);
        if (relu) TensorPrimitives.Max(y, 0f, y);

        var parents = b != null ? new[] { x, w, b } : new[] { x, w };
        return Tensor.FromOp(new[] { batch, nOut }, y, parents, r =>
        {
            float[] dz = r.Grad!;
            if (relu)
            {
                var masked = Tensor.RentBuffer(dz.Length);
                Simd.ReluGrad(r.Data, dz, masked, accumulate: false);
                dz = masked;
            }
            // dX += dZ · W ; dW += dZᵀ · X ; db += column sums of dZ
            if (x.RequiresGrad) Gemm.Sgemm(false, false, batch, nIn, nOut, dz, nOut, w.Data, nIn, x.EnsureGrad(), nIn, accumulate: true);
            if (w.RequiresGrad) Gemm.Sgemm(true, false, nOut, nIn, batch, dz, nOut, x.Data, nIn, w.EnsureGrad(), nIn, accumulate: true);
            if (b != null && b.RequiresGrad)
            {
                var gb = b.EnsureGrad();
                for (int i = 0; i < batch; i++) TensorPrimitives.Add(gb, dz.AsSpan(i * nOut, nOut), gb);
            }
        });
    }
}
