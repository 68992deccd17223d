using System.Numerics;
using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Ir;

namespace QuantHdl.Hardware;

/// <summary>
/// The ROM contents of a matrix-vector unit, docs/integer-semantics.md §6, as hdl/mvu.v reads them.
/// Weight word <c>nf*SF + sf</c> holds the code of <c>W[nf*PE + p][sf*SIMD + s]</c> at bits
/// <c>[(p*SIMD + s)*b +: b]</c>. Parameter word <c>nf</c> holds, for each PE p, channel
/// <c>c = nf*PE + p</c> at bits <c>[p*PW +: PW]</c> as <c>{k[5:0], M0[MB-1:0], B[AccBits-1:0]}</c>,
/// with PW = AccBits + MB + 6 and B in two's complement.
/// </summary>
public sealed class MvuLayout
{
    /// <summary>Bits of the shift field in a parameter word.</summary>
    public const int ShiftBits = 6;

    private readonly DenseOp _d;

    /// <summary>The layout of one dense layer.</summary>
    public MvuLayout(DenseOp d)
    {
        _d = d;
        Sf = d.In / d.Fold.Simd;
        Nf = d.Out / d.Fold.Pe;
    }

    /// <summary>Input folds, In / SIMD.</summary>
    public int Sf { get; }

    /// <summary>Output folds, Out / PE.</summary>
    public int Nf { get; }

    /// <summary>Weight ROM depth, SF * NF.</summary>
    public int WeightDepth => Sf * Nf;

    /// <summary>Bits of one weight word, PE * SIMD * b.</summary>
    public int WeightWordBits => _d.Fold.Pe * _d.Fold.Simd * _d.Weight.Bits;

    /// <summary>Bits of one channel in a parameter word, PW = AccBits + MB + 6.</summary>
    public int ChannelBits => _d.AccBits + _d.Rq.MultiplierBits + ShiftBits;

    /// <summary>Bits of one parameter word, PE * (AccBits + MB + 6).</summary>
    public int ParamWordBits => _d.Fold.Pe * ChannelBits;

    /// <summary>Address width of the weight ROM (at least 1).</summary>
    public int WeightAddrBits => AddrBits(WeightDepth);

    /// <summary>Address width of the parameter ROM (at least 1).</summary>
    public int ParamAddrBits => AddrBits(Nf);

    /// <summary>
    /// The hardware decisions of this layer's unit (see <see cref="MvuHardware"/> for each value and where it comes
    /// from), for input activations of <paramref name="actBits"/> bits arriving in beats of <paramref name="inLanes"/>.
    /// The one place they are computed: hdl/mvu.v takes them as parameters.
    /// </summary>
    public MvuHardware Hardware(int actBits, int inLanes)
    {
        int simd = _d.Fold.Simd, pe = _d.Fold.Pe, b = _d.Weight.Bits;
        var code = _d.Weight.Code;
        int? postLane = code == WeightCode.Post ? SqrtTableLiteral.EntryBits(actBits, _d.SqrtFracBits) : null;
        int? mag = MagnitudeBits(_d.Weight, actBits, _d.SqrtFracBits);
        int? negCount = mag is null ? null : CeilLog2(simd + 1);
        int leaf = mag is int m && negCount is int n ? Math.Max(m, n) + 1 : actBits + b;
        bool shared = pe > 1 && Sf >= pe;
        int latency = shared ? 6 + pe : 7;
        int depth = 1 << CeilLog2(1 + (latency + Sf - 1) / Sf);
        return new MvuHardware(
            Sf, Nf, AddrBits(Sf), AddrBits(Nf), AddrBits(pe), WeightAddrBits, ParamAddrBits, ChannelBits,
            mag is null ? simd : simd + 1, postLane, mag, negCount, leaf,
            shared, latency, depth, CeilLog2(depth + 1),
            inLanes != simd, inLanes, simd);
    }

    /// <summary>
    /// The width of one POST or POT term magnitude before its sign (docs/integer-semantics.md §3): a POST term
    /// is the (a+F)-bit lane value shifted left by at most MaxExponent/2, a POT term the a-bit input shifted
    /// left by at most MaxExponent. Null for uniform weights, whose terms are plain signed products.
    /// </summary>
    public static int? MagnitudeBits(WeightSpec w, int actBits, int sqrtFracBits) => w.Code switch
    {
        WeightCode.Post => SqrtTableLiteral.EntryBits(actBits, sqrtFracBits) + w.MaxExponent / 2,
        WeightCode.Pot => actBits + w.MaxExponent,
        WeightCode.Uniform => null,
    };

    /// <summary>Every weight word, address order.</summary>
    public BigInteger[] WeightWords()
    {
        int simd = _d.Fold.Simd, pe = _d.Fold.Pe, b = _d.Weight.Bits;
        int codeMask = (1 << b) - 1;
        var words = new BigInteger[WeightDepth];
        for (int nf = 0; nf < Nf; nf++)
        for (int sf = 0; sf < Sf; sf++)
        {
            BigInteger word = BigInteger.Zero;
            for (int p = 0; p < pe; p++)
            for (int s = 0; s < simd; s++)
            {
                int code = _d.Weights[(nf * pe + p) * _d.In + sf * simd + s] & codeMask;
                word |= (BigInteger)code << ((p * simd + s) * b);
            }
            words[nf * Sf + sf] = word;
        }
        return words;
    }

    /// <summary>Every parameter word, address order.</summary>
    public BigInteger[] ParamWords()
    {
        int pe = _d.Fold.Pe, acc = _d.AccBits, mb = _d.Rq.MultiplierBits;
        var accMask = (BigInteger.One << acc) - 1;
        var words = new BigInteger[Nf];
        for (int nf = 0; nf < Nf; nf++)
        {
            BigInteger word = BigInteger.Zero;
            for (int p = 0; p < pe; p++)
            {
                int c = nf * pe + p;
                var field = ((BigInteger)_d.Bias[c] & accMask)
                    | ((BigInteger)_d.Rq.M0[c] << acc)
                    | ((BigInteger)_d.Rq.Shift[c] << (acc + mb));
                word |= field << (p * ChannelBits);
            }
            words[nf] = word;
        }
        return words;
    }

    /// <summary>ceil(log2(depth)), at least 1.</summary>
    public static int AddrBits(int depth) => Math.Max(1, CeilLog2(depth));

    /// <summary>ceil(log2(n)) for n &gt;= 1, as Verilog's $clog2: 0 for 1.</summary>
    private static int CeilLog2(int n) => n <= 1 ? 0 : 32 - BitOperations.LeadingZeroCount((uint)(n - 1));
}
