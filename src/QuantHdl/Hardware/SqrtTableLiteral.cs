using System.Numerics;
using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Hardware;

/// <summary>
/// The POST lane table R_F (docs/integer-semantics.md §3) as the <c>SQRT_TABLE</c> parameter of
/// hdl/post_lane.v: entry x at bits <c>[x*(a+F) +: a+F]</c>, values from <see cref="WeightArithmetic.SqrtHalfTable"/>.
/// </summary>
public static class SqrtTableLiteral
{
    /// <summary>Bits of one table entry: a + F.</summary>
    public static int EntryBits(int actBits, int fracBits) => actBits + fracBits;

    /// <summary>The packed table as one sized hex literal of 2^a * (a+F) bits.</summary>
    public static string For(int actBits, int fracBits)
    {
        var table = WeightArithmetic.SqrtHalfTable(actBits, fracBits);
        int lw = EntryBits(actBits, fracBits);
        BigInteger packed = BigInteger.Zero;
        for (int x = table.Length - 1; x >= 0; x--)
            packed = (packed << lw) | table[x];
        return VerilogLiteral.Hex(packed, table.Length * lw);
    }
}
