using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Hardware;

/// <summary>
/// One AXI-Stream of the emitted design: the output edge of node <paramref name="Node"/>, carrying
/// <paramref name="Size"/> elements of <paramref name="Type"/> per frame in beats of <paramref name="Lanes"/>
/// (element i of a beat at bits [i*width +: width], docs/integer-semantics.md §1).
/// </summary>
public sealed record RtlStream(string Node, IntType Type, int Size, int Lanes)
{
    /// <summary>Beats per frame.</summary>
    public int Beats => Size / Lanes;

    /// <summary>Bits of tdata.</summary>
    public int DataBits => Lanes * Type.Width;
}
