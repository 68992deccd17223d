using QuantHdl.Compiler.Ir;
using System.Numerics.Tensors;
using QuantHdl.Arithmetic;

namespace QuantHdl.Golden.Kernels;

/// <summary>
/// The golden convolution (integer-semantics §7): the window vectors of the frame
/// (<see cref="SlidingWindow.Im2Col"/>) times the layer's integer weight matrices, as integer GEMMs on
/// the codes (<see cref="TermDecomposition"/>: one on x, and for POST one on R_F[x]), then §4's
/// requantization per channel. Zero weights (outside a group) are skipped.
/// </summary>
public sealed class ConvKernel : IKernel
{
    private readonly string _name;
    private readonly ConvOp _op;
    private readonly IntType _in;
    private readonly IntType _out;
    private readonly IntType _acc;
    private readonly IntType _prod;
    private readonly long[]? _root;
    // Per output channel: the non-zero factors on x and on R_F[x], with their column indices.
    private readonly int[][] _xIdx, _rIdx;
    private readonly long[][] _xVal, _rVal;
    // When every partial sum fits 32 bits (AccBits <= 32; the §5 bound, checked below, covers each part: a POST
    // term is on x or on R_F[x], never both), the same sums as dense int32 dot products [Out, In].
    private readonly int[]? _wx, _wr;

    /// <summary>
    /// Prepares the kernel. Throws <see cref="IntegerOverflowException"/> when the declared accumulator
    /// is narrower than the §5 bound of the weights, so no partial sum can leave it.
    /// </summary>
    public ConvKernel(IrNode node, IntType input)
    {
        _name = node.Name;
        _op = (ConvOp)node.Op;
        _in = input;
        _out = node.OutType;
        var d = _op.Mvu;
        _acc = IntType.S(d.AccBits);
        _prod = IntType.S(RequantMath.ProductBits(d.AccBits, d.Rq.MultiplierBits));
        int need = AccumulatorBound.RequiredBits(d.Matrix, input);
        if (need > d.AccBits)
            throw new IntegerOverflowException($"layer {_name}: the weights can reach a {need}-bit accumulator but AccBits is {d.AccBits}");
        _root = d.Weight.Code == WeightCode.Post ? WeightArithmetic.SqrtHalfTable(input.Width, d.SqrtFracBits) : null;
        _xIdx = new int[d.Out][]; _rIdx = new int[d.Out][];
        _xVal = new long[d.Out][]; _rVal = new long[d.Out][];
        for (int o = 0; o < d.Out; o++)
        {
            var xi = new List<int>(); var xv = new List<long>(); var ri = new List<int>(); var rv = new List<long>();
            for (int i = 0; i < d.In; i++)
            {
                var (onX, onRoot) = TermDecomposition.Of(d.Weights[o * d.In + i], d.Weight, d.SqrtFracBits);
                if (onX != 0) { xi.Add(i); xv.Add(onX); }
                if (onRoot != 0) { ri.Add(i); rv.Add(onRoot); }
            }
            _xIdx[o] = xi.ToArray(); _xVal[o] = xv.ToArray(); _rIdx[o] = ri.ToArray(); _rVal[o] = rv.ToArray();
        }
        bool narrow = d.AccBits <= 32 && (_root is null || _root.All(r => r <= int.MaxValue))
            && _xVal.All(v => v.All(t => Math.Abs(t) <= int.MaxValue)) && _rVal.All(v => v.All(t => Math.Abs(t) <= int.MaxValue));
        if (!narrow) return;
        _wx = new int[d.Out * d.In];
        _wr = _root is null ? null : new int[d.Out * d.In];
        for (int o = 0; o < d.Out; o++)
        {
            for (int t = 0; t < _xIdx[o].Length; t++) _wx[o * d.In + _xIdx[o][t]] = (int)_xVal[o][t];
            if (_wr is not null)
                for (int t = 0; t < _rIdx[o].Length; t++) _wr[o * d.In + _rIdx[o][t]] = (int)_rVal[o][t];
        }
    }

    /// <summary>
    /// The accumulators as int32 dot products. Each part's partial sums stay within the §5 bound, below
    /// 2^(AccBits-1) &lt;= 2^31, because the inputs were checked against their type; so no sum wraps, and the
    /// total is checked against AccBits as in the general path.
    /// </summary>
    private long[] AccumulateNarrow(long[] cols, int sample)
    {
        var d = _op.Mvu;
        int pixels = _op.OutH * _op.OutW, len = d.In;
        var xc = new int[cols.Length];
        for (int i = 0; i < cols.Length; i++) xc[i] = (int)cols[i];
        int[]? rc = null;
        if (_wr is not null)
        {
            rc = new int[cols.Length];
            for (int i = 0; i < cols.Length; i++) rc[i] = (int)_root![cols[i]];
        }
        var acc = new long[pixels * d.Out];
        for (int p = 0; p < pixels; p++)
        {
            var win = new ReadOnlySpan<int>(xc, p * len, len);
            for (int o = 0; o < d.Out; o++)
            {
                long a = d.Bias[o] + (long)TensorPrimitives.Dot<int>(win, new ReadOnlySpan<int>(_wx, o * len, len));
                if (rc is not null) a += TensorPrimitives.Dot<int>(new ReadOnlySpan<int>(rc, p * len, len), new ReadOnlySpan<int>(_wr, o * len, len));
                if (!_acc.Fits(a))
                    throw new IntegerOverflowException($"layer {_name}, sample {sample}, pixel {p}, channel {o}: accumulator {a} leaves {_acc}");
                acc[p * d.Out + o] = a;
            }
        }
        return acc;
    }

    /// <summary>Accumulators [OutH*OutW, OutC] before requantization, for one input frame.</summary>
    public long[] Accumulate(ReadOnlySpan<long> x, int sample)
    {
        var op = _op;
        var d = op.Mvu;
        if (x.Length != (long)op.InH * op.InW * op.InC) throw new ArgumentException($"layer {_name}: got {x.Length} inputs, expects {op.InH}x{op.InW}x{op.InC}");
        foreach (var v in x)
            if (!_in.Fits(v)) throw new IntegerOverflowException($"layer {_name}, sample {sample}: input {v} does not fit {_in}");
        // §7: the pad value is the zero code.
        var cols = SlidingWindow.Im2Col(x, op.InH, op.InW, op.InC, op.K, op.Stride, op.Pad, 0);
        if (_wx is not null) return AccumulateNarrow(cols, sample);
        long[]? roots = null;
        if (_root is not null)
        {
            roots = new long[cols.Length];
            for (int i = 0; i < cols.Length; i++) roots[i] = _root[cols[i]];
        }
        int pixels = op.OutH * op.OutW, len = d.In;
        var acc = new long[pixels * d.Out];
        for (int p = 0; p < pixels; p++)
        {
            var win = cols.AsSpan(p * len, len);
            for (int o = 0; o < d.Out; o++)
            {
                long a = d.Bias[o];
                var xi = _xIdx[o]; var xv = _xVal[o];
                for (int t = 0; t < xi.Length; t++) a += xv[t] * win[xi[t]];
                if (roots is not null)
                {
                    var rw = roots.AsSpan(p * len, len);
                    var ri = _rIdx[o]; var rv = _rVal[o];
                    for (int t = 0; t < ri.Length; t++) a += rv[t] * rw[ri[t]];
                }
                if (!_acc.Fits(a))
                    throw new IntegerOverflowException($"layer {_name}, sample {sample}, pixel {p}, channel {o}: accumulator {a} leaves {_acc}");
                acc[p * d.Out + o] = a;
            }
        }
        return acc;
    }

    /// <summary>Runs the layer: accumulate, then requantize every channel of every pixel (§4).</summary>
    public long[] Run(ReadOnlySpan<long> x, int sample)
    {
        var acc = Accumulate(x, sample);
        var rq = _op.Mvu.Rq;
        int co = _op.Mvu.Out;
        for (int i = 0; i < acc.Length; i++)
        {
            int c = i % co;
            long p = acc[i] * rq.M0[c];
            if (!_prod.Fits(p))
                throw new IntegerOverflowException($"layer {_name}, sample {sample}, pixel {i / co}, channel {c}: requant product {p} leaves {_prod}");
            acc[i] = RequantMath.Apply(acc[i], rq.M0[c], rq.Shift[c], rq.Lo, rq.Hi);
            if (!_out.Fits(acc[i])) throw new IntegerOverflowException($"layer {_name}, sample {sample}, pixel {i / co}, channel {c}: output {acc[i]} leaves {_out}");
        }
        return acc;
    }
}
