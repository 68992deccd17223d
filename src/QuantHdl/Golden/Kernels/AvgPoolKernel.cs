using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Golden.Kernels;

/// <summary>
/// The golden kernel of <see cref="AvgPoolOp"/> (docs/integer-semantics.md §8): the sum over each KH x KW window,
/// checked against its declared width, requantized by (M0, k) and clamped to the unsigned output type.
/// hdl/pool_sum.v computes the same.
/// </summary>
public sealed class AvgPoolKernel : IKernel
{
    private readonly string _name;
    private readonly AvgPoolOp _op;
    private readonly IntType _sum;
    private readonly IntType _prod;
    private readonly long _hi;

    /// <summary>Prepares the kernel for one node.</summary>
    public AvgPoolKernel(IrNode node)
    {
        _name = node.Name;
        _op = (AvgPoolOp)node.Op;
        _sum = IntType.U(_op.SumBits);
        _prod = IntType.S(RequantMath.ProductBits(_op.SumBits + 1, _op.MultiplierBits));
        _hi = node.OutType.Max;
    }

    /// <inheritdoc/>
    public long[] Run(ReadOnlySpan<long> x, int sample)
    {
        var p = _op;
        var s = WindowSum(x, p.InH, p.InW, p.C, p.KH, p.KW);
        for (int i = 0; i < s.Length; i++)
        {
            if (!_sum.Fits(s[i])) throw new IntegerOverflowException($"layer {_name}, sample {sample}, element {i}: window sum {s[i]} leaves {_sum}");
            if (!_prod.Fits(s[i] * p.M0)) throw new IntegerOverflowException($"layer {_name}, sample {sample}, element {i}: requant product leaves {_prod}");
            s[i] = RequantMath.Apply(s[i], p.M0, p.Shift, 0, _hi);
        }
        return s;
    }

    /// <summary>
    /// Sum over each window, per channel, before the requantization of an average pool. A global
    /// pool is the window <paramref name="kh"/> = H, <paramref name="kw"/> = W.
    /// </summary>
    public static long[] WindowSum(ReadOnlySpan<long> x, int h, int w, int c, int kh, int kw) => PoolWindow.Reduce(x, h, w, c, kh, kw, 0, (a, b) => checked(a + b));

    /// <summary>
    /// Average pool: the window sum requantized by (M0, k) and clamped to [lo, hi] (§4's rule with one
    /// multiplier for every channel).
    /// </summary>
    public static long[] AvgPool(ReadOnlySpan<long> x, int h, int w, int c, int kh, int kw, long m0, int shift, long lo, long hi)
    {
        var s = WindowSum(x, h, w, c, kh, kw);
        for (int i = 0; i < s.Length; i++) s[i] = RequantMath.Apply(s[i], m0, shift, lo, hi);
        return s;
    }
}
