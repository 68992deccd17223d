using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Ir;
using static QuantHdl.Hardware.Emitters.EmitText;

namespace QuantHdl.Hardware.Emitters;

/// <summary>
/// The per-layer wrapper shared by the two op kinds that run on a matrix-vector unit (templates/layer.v.hbs):
/// <see cref="DenseEmitter"/> and <see cref="ConvEmitter"/>.
/// </summary>
internal static class LayerWrapper
{
    /// <summary>
    /// The wrapper of a dense layer, or of a conv (<paramref name="conv"/> not null): [axis_dwc] -> [swu]
    /// -> mvu -> [axis_frame]. A conv's SWU turns the frame into window vectors (§7) and the frame
    /// marker restores the frame's tlast behind the MVU, which marks each pixel's vector.
    /// </summary>
    public static TemplateModel Model(IrGraph g, IrNode n, DenseOp d, ConvOp? conv, IrNode src, string prefix)
    {
        var layout = new MvuLayout(d);
        int a = src.OutType.Width;
        bool post = d.Weight.Code == WeightCode.Post;
        var hw = layout.Hardware(a, src.OutLanes);
        var hwParameters = hw.VerilogParameters();
        // A conv's frame is regrouped as one vector (beats never straddle pixels: both widths divide C).
        bool convert = hw.Dwc;
        var dwc = new List<TemplateModel>();
        var direct = new List<TemplateModel>();
        if (convert)
            dwc.Add(new TemplateModel
            {
                ["in_lanes"] = I(src.OutLanes),
                ["out_lanes"] = I(d.Fold.Simd),
                ["elem_bits"] = I(a),
                ["vec_len"] = I(conv is null ? d.In : src.OutSize),
            });
        else
            direct.Add(new TemplateModel());
        var swu = new List<TemplateModel>();
        var vector = new List<TemplateModel>();
        var frame = new List<TemplateModel>();
        var whole = new List<TemplateModel>();
        if (conv is not null)
        {
            swu.Add(new TemplateModel
            {
                ["h"] = I(conv.InH),
                ["w"] = I(conv.InW),
                ["c"] = I(conv.InC),
                ["k"] = I(conv.K),
                ["stride"] = I(conv.Stride),
                ["pad"] = I(conv.Pad),
                ["simd"] = I(d.Fold.Simd),
                ["elem_bits"] = I(a),
                ["rows"] = I(RtlEmitter.SwuRows(conv, a)),
            });
            frame.Add(new TemplateModel
            {
                ["data_bits"] = I(d.Fold.Pe * n.OutType.Width),
                ["frame_beats"] = I(n.OutSize / n.OutLanes),
            });
        }
        else
        {
            vector.Add(new TemplateModel());
            whole.Add(new TemplateModel());
        }
        return new TemplateModel
        {
            ["window_path"] = conv is null ? "" : $"; hdl/swu.v makes the {I(conv.K)}x{I(conv.K)} windows of the {I(conv.InH)}x{I(conv.InW)}x{I(conv.InC)} frame, one MVU vector per output pixel",
            ["a_data_msb"] = I(d.Fold.Simd * a - 1),
            ["swu"] = swu,
            ["vector"] = vector,
            ["frame"] = frame,
            ["whole"] = whole,
            ["node"] = n.Name,
            ["graph"] = Comment(g.Name),
            ["module"] = $"{prefix}_{n.Name}",
            ["spec"] = d.Weight.ToString(),
            ["in_size"] = I(d.In),
            ["out_size"] = I(d.Out),
            ["simd"] = I(d.Fold.Simd),
            ["pe"] = I(d.Fold.Pe),
            ["cycles"] = I((long)layout.Sf * layout.Nf),
            ["acc_bits"] = I(d.AccBits),
            ["in_type"] = src.OutType.ToString(),
            ["in_lanes"] = I(src.OutLanes),
            ["out_type"] = n.OutType.ToString(),
            ["in_data_msb"] = I(src.OutLanes * a - 1),
            ["x_data_msb"] = I(d.Fold.Simd * a - 1),
            ["input_path"] = convert ? $"axis_dwc.v converts beats of {I(src.OutLanes)} to {I(d.Fold.Simd)}" : "the input beats already are",
            ["dwc"] = dwc,
            ["direct"] = direct,
            ["out_data_msb"] = I(d.Fold.Pe * n.OutType.Width - 1),
            ["w_addr_msb"] = I(layout.WeightAddrBits - 1),
            ["w_word_msb"] = I(layout.WeightWordBits - 1),
            ["p_addr_msb"] = I(layout.ParamAddrBits - 1),
            ["p_word_msb"] = I(layout.ParamWordBits - 1),
            ["a_bits"] = I(a),
            ["w_bits"] = I(d.Weight.Bits),
            ["weight_mode"] = I(WeightMode(d.Weight.Code)),
            ["sqrt_frac_bits"] = I(d.SqrtFracBits),
            // Non-POST layers take the one-bit placeholder mvu.v declares for them.
            ["sqrt_table"] = post ? SqrtTableLiteral.For(a, d.SqrtFracBits) : "1'b0",
            ["mb"] = I(d.Rq.MultiplierBits),
            ["out_bits"] = I(n.OutType.Width),
            ["out_signed"] = n.OutType.Signed ? "1" : "0",
            ["lo"] = VerilogLiteral.Signed64(d.Rq.Lo),
            ["hi"] = VerilogLiteral.Signed64(d.Rq.Hi),
            ["hardware"] = hwParameters.Select((p, i) => new TemplateModel
            {
                ["name"] = p.Name,
                ["value"] = p.Value,
                ["sep"] = i < hwParameters.Count - 1 ? "," : "",
            }).ToList(),
            ["weight_words"] = Words(layout.WeightWords(), layout.WeightAddrBits, layout.WeightWordBits),
            ["w_word_zero"] = $"{layout.WeightWordBits}'h0",
            ["param_words"] = Words(layout.ParamWords(), layout.ParamAddrBits, layout.ParamWordBits),
            ["p_word_zero"] = $"{layout.ParamWordBits}'h0",
        };
    }
}
