using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Golden.Kernels;

/// <summary>
/// The golden dense layer: integer-semantics §3 terms, §4 accumulate and requantize, with every
/// partial sum checked against the declared accumulator width (§5).
/// </summary>
public sealed class DenseKernel : IKernel
{
    private readonly string _name;
    private readonly DenseOp _op;
    private readonly IntType _in;
    private readonly IntType _out;
    private readonly IntType _acc;
    private readonly IntType _prod;
    private readonly long[]? _terms;
    private readonly long[]? _sqrtTable;
    private readonly int _codeOffset;
    private readonly int _xCount;

    private const long MaxTableEntries = 1 << 20;

    /// <summary>Prepares the kernel for one node.</summary>
    public DenseKernel(IrNode node, IntType input)
    {
        _name = node.Name;
        _op = (DenseOp)node.Op;
        _in = input;
        _out = node.OutType;
        _acc = IntType.S(_op.AccBits);
        _prod = IntType.S(RequantMath.ProductBits(_op.AccBits, _op.Rq.MultiplierBits));
        // Every (code, x) product tabulated once from WeightArithmetic.Term, the §3 definition.
        var sqrtTable = _op.Weight.Code == WeightCode.Post ? WeightArithmetic.SqrtHalfTable(input.Width, _op.SqrtFracBits) : null;
        _sqrtTable = sqrtTable;
        int bits = _op.Weight.Bits;
        _codeOffset = _op.Weight.Code == WeightCode.Uniform ? 1 << (bits - 1) : 0;
        _xCount = checked((int)input.Max + 1);
        if ((1L << bits) * _xCount > MaxTableEntries) return; // wide codes and activations: compute each term
        _terms = new long[(1 << bits) * _xCount];
        for (int code = -_codeOffset; code < (1 << bits) - _codeOffset; code++)
            for (int x = 0; x < _xCount; x++)
                _terms[(code + _codeOffset) * _xCount + x] = WeightArithmetic.Term(code, x, _op.Weight, _op.SqrtFracBits, sqrtTable);
    }

    /// <summary>Accumulators before requantization, for one input vector.</summary>
    public long[] Accumulate(ReadOnlySpan<long> x, int sample)
    {
        var d = _op;
        if (x.Length != d.In) throw new ArgumentException($"layer {_name}: got {x.Length} inputs, expects {d.In}");
        foreach (var v in x)
            if (!_in.Fits(v)) throw new IntegerOverflowException($"layer {_name}, sample {sample}: input {v} does not fit {_in}");
        var acc = new long[d.Out];
        for (int c = 0; c < d.Out; c++)
        {
            long a = d.Bias[c];
            Check(a, c, sample);
            int row = c * d.In;
            long lo = _acc.Min, hi = _acc.Max;
            for (int i = 0; i < d.In; i++)
            {
                a += _terms is null
                    ? WeightArithmetic.Term(d.Weights[row + i], x[i], d.Weight, d.SqrtFracBits, _sqrtTable)
                    : _terms[(d.Weights[row + i] + _codeOffset) * _xCount + (int)x[i]];
                if (a < lo || a > hi) Check(a, c, sample);
            }
            acc[c] = a;
        }
        return acc;
    }

    /// <summary>Runs the layer: accumulate, then requantize (§4).</summary>
    public long[] Run(ReadOnlySpan<long> x, int sample)
    {
        var acc = Accumulate(x, sample);
        var rq = _op.Rq;
        var y = new long[acc.Length];
        for (int c = 0; c < acc.Length; c++)
        {
            long p = acc[c] * rq.M0[c];
            // §5: only the product must fit; for k <= P-1 the rounding sum fits too, and for k >= P the result is 0.
            if (!_prod.Fits(p))
                throw new IntegerOverflowException($"layer {_name}, sample {sample}, channel {c}: requant product {p} leaves {_prod}");
            y[c] = RequantMath.Apply(acc[c], rq.M0[c], rq.Shift[c], rq.Lo, rq.Hi);
            if (!_out.Fits(y[c])) throw new IntegerOverflowException($"layer {_name}, sample {sample}, channel {c}: output {y[c]} leaves {_out}");
        }
        return y;
    }

    private void Check(long a, int c, int sample)
    {
        if (!_acc.Fits(a))
            throw new IntegerOverflowException($"layer {_name}, sample {sample}, channel {c}: accumulator {a} leaves {_acc}; the declared AccBits {_op.AccBits} is below the bound");
    }
}
