namespace QuantHdl.Hardware;

/// <summary>
/// The hardware decisions of one matrix-vector unit: every width, depth and flag that hdl/mvu.v and the
/// layer wrapper (templates/layer.v.hbs) are built with beyond the layer's own sizes. <see cref="MvuLayout.Hardware"/>
/// computes them, once; the wrapper passes them to hdl/mvu.v as parameters, the mvu testbench gets them from the
/// same place, and design.json lists them per layer. Names in brackets are the Verilog parameter names.
/// </summary>
/// <param name="Sf">Input folds In / SIMD (docs/integer-semantics.md §6); the compute cycles of one nf group.</param>
/// <param name="Nf">Output folds Out / PE (§6); the output beats of one vector.</param>
/// <param name="SfBits">[SF_W] Bits of the input beat and sf counters, ceil(log2 SF), at least 1.</param>
/// <param name="NfBits">[NF_W] Bits of the nf counter, ceil(log2 NF), at least 1.</param>
/// <param name="PeBits">[PE_W] Bits of the channel counter of the shared requant unit, ceil(log2 PE), at least 1.</param>
/// <param name="WeightAddrBits">[W_ADDR_BITS] Address bits of the weight ROM, ceil(log2(SF*NF)), at least 1.</param>
/// <param name="ParamAddrBits">[P_ADDR_BITS] Address bits of the parameter ROM, ceil(log2 NF), at least 1.</param>
/// <param name="ChannelBits">[PW] Bits of one channel in a parameter word, AccBits + MB + 6: {k[5:0], M0, B} (§6, hdl/mvu.v).</param>
/// <param name="Leaves">[LEAVES] Leaves of each PE's adder tree: the SIMD terms, plus for POT and POST the count of
/// negative terms that completes each -m = ~m + 1 (§6, hdl/mvu.v).</param>
/// <param name="PostLaneBits">[POST_LW] Bits of the POST lane values x0 = x &lt;&lt; F and x1 = R_F[x], a + F (§3);
/// null for POT and uniform layers, which have no lanes.</param>
/// <param name="MagBits">[MAG_BITS] Bits of a POT or POST term magnitude (§3): a + J for POT (x &lt;&lt; J at most),
/// a + F + H for POST (a lane value &lt;&lt; H at most); null for uniform layers, whose terms are signed products.</param>
/// <param name="NegCountBits">Bits of the count of negative terms, ceil(log2(SIMD + 1)) (hdl/neg_count.v); null for
/// uniform layers, which have no count leaf.</param>
/// <param name="LeafBits">[LEAF_W] Bits of a signed adder-tree leaf (hdl/mvu.v, add_tree.v): a + b for a uniform
/// product, else one sign bit over the wider of a magnitude and the count.</param>
/// <param name="RqShared">[RQ_SHARED] One requant unit serves the PE channels of a group one after another: an nf
/// group completes at most once every SF cycles, so SF &gt;= PE &gt; 1 leaves it the time (§6, hdl/mvu.v).</param>
/// <param name="PipeLatency">Cycles from the issue of an nf group's last word until its output FIFO credit can be
/// reused: 7, or 6 + PE when the requant unit is shared and the channels pass it one after another (the pipeline of
/// hdl/mvu.v, traced at its OF_DEPTH parameter).</param>
/// <param name="OutFifoDepth">[OF_DEPTH] Slots of the output FIFO: groups start every SF cycles, so
/// 1 + ceil(PipeLatency / SF) credits keep the compute loop busy without stalls; rounded up to a power of two (hdl/axis_fifo.v).</param>
/// <param name="CreditBits">[CR_W] Bits of the credit counter, which holds 0..OutFifoDepth: ceil(log2(OutFifoDepth + 1)).</param>
/// <param name="Dwc">Whether hdl/axis_dwc.v sits in front of the unit: hdl/mvu.v takes beats of SIMD elements, so any
/// other input beat width is regrouped (§6).</param>
/// <param name="InLanes">Elements per beat of the stream feeding the layer.</param>
/// <param name="Simd">Elements per beat the unit takes (SIMD).</param>
public sealed record MvuHardware(
    int Sf,
    int Nf,
    int SfBits,
    int NfBits,
    int PeBits,
    int WeightAddrBits,
    int ParamAddrBits,
    int ChannelBits,
    int Leaves,
    int? PostLaneBits,
    int? MagBits,
    int? NegCountBits,
    int LeafBits,
    bool RqShared,
    int PipeLatency,
    int OutFifoDepth,
    int CreditBits,
    bool Dwc,
    int InLanes,
    int Simd)
{
    /// <summary>
    /// The parameters of hdl/mvu.v that these values set, in its declaration order, as decimal text. A value that
    /// does not apply to the layer's weight code (null here) is left out: hdl/mvu.v does not read it for that code.
    /// </summary>
    public IReadOnlyList<(string Name, string Value)> VerilogParameters()
    {
        var list = new List<(string, string)>
        {
            ("W_ADDR_BITS", VerilogLiteral.Int(WeightAddrBits)),
            ("P_ADDR_BITS", VerilogLiteral.Int(ParamAddrBits)),
            ("SF_W", VerilogLiteral.Int(SfBits)),
            ("NF_W", VerilogLiteral.Int(NfBits)),
            ("PE_W", VerilogLiteral.Int(PeBits)),
            ("PW", VerilogLiteral.Int(ChannelBits)),
            ("LEAVES", VerilogLiteral.Int(Leaves)),
        };
        if (PostLaneBits is int lw) list.Add(("POST_LW", VerilogLiteral.Int(lw)));
        if (MagBits is int mag) list.Add(("MAG_BITS", VerilogLiteral.Int(mag)));
        list.Add(("LEAF_W", VerilogLiteral.Int(LeafBits)));
        list.Add(("RQ_SHARED", RqShared ? "1" : "0"));
        list.Add(("OF_DEPTH", VerilogLiteral.Int(OutFifoDepth)));
        list.Add(("CR_W", VerilogLiteral.Int(CreditBits)));
        return list;
    }
}
