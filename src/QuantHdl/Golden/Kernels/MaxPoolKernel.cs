using QuantHdl.Compiler.Ir;

namespace QuantHdl.Golden.Kernels;

/// <summary>
/// The golden kernel of <see cref="MaxPoolOp"/> (docs/integer-semantics.md §8): the max over each K x K window at
/// stride K, per channel; the codes are unchanged (no requantization). hdl/maxpool.v computes the same.
/// </summary>
public sealed class MaxPoolKernel : IKernel
{
    private readonly MaxPoolOp _op;

    /// <summary>Prepares the kernel for one node.</summary>
    public MaxPoolKernel(IrNode node) => _op = (MaxPoolOp)node.Op;

    /// <inheritdoc/>
    public long[] Run(ReadOnlySpan<long> x, int sample) => MaxPool(x, _op.InH, _op.InW, _op.C, _op.K);

    /// <summary>Max over each <paramref name="k"/> x <paramref name="k"/> window of an h x w x c frame, per channel.</summary>
    public static long[] MaxPool(ReadOnlySpan<long> x, int h, int w, int c, int k) => PoolWindow.Reduce(x, h, w, c, k, k, long.MinValue, Math.Max);
}
