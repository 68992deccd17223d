using QuantHdl.Compiler.Ir;
using static QuantHdl.Hardware.Emitters.EmitText;

namespace QuantHdl.Hardware.Emitters;

/// <summary>
/// The emitter of <see cref="OpKind.Add"/>: the model of templates/add.v.hbs (hdl/residual_add.v), with an
/// axis_dwc in front of the shortcut when its beats are not the main input's width.
/// </summary>
internal static class AddEmitter
{
    /// <summary>The template model of node <paramref name="n"/>, which reads <paramref name="a"/> (main) and <paramref name="b"/> (shortcut).</summary>
    public static TemplateModel Model(IrGraph g, IrNode n, IrNode a, IrNode b, string prefix)
    {
        var op = (AddOp)n.Op;
        int lanes = n.OutLanes;
        var dwc = new TemplateModel
        {
            ["in_lanes"] = I(b.OutLanes),
            ["out_lanes"] = I(lanes),
            ["elem_bits"] = I(b.OutType.Width),
            ["vec_len"] = I(op.C),
        };
        return new TemplateModel
        {
            ["node"] = n.Name,
            ["graph"] = Comment(g.Name),
            ["module"] = $"{prefix}_{n.Name}",
            ["h"] = I(op.H),
            ["w"] = I(op.W),
            ["c"] = I(op.C),
            ["a_type"] = a.OutType.ToString(),
            ["b_type"] = b.OutType.ToString(),
            ["out_type"] = n.OutType.ToString(),
            ["lanes"] = I(lanes),
            ["a_data_msb"] = I(a.OutLanes * a.OutType.Width - 1),
            ["b_data_msb"] = I(b.OutLanes * b.OutType.Width - 1),
            ["b_lanes_data_msb"] = I(lanes * b.OutType.Width - 1),
            ["out_data_msb"] = I(lanes * n.OutType.Width - 1),
            ["dwc"] = b.OutLanes != lanes ? [dwc] : new List<TemplateModel>(),
            ["direct"] = b.OutLanes == lanes ? [new TemplateModel()] : new List<TemplateModel>(),
            ["a_bits"] = I(a.OutType.Width),
            ["a_signed"] = a.OutType.Signed ? "1" : "0",
            ["b_bits"] = I(b.OutType.Width),
            ["b_signed"] = b.OutType.Signed ? "1" : "0",
            ["mult_bits"] = I(op.MultiplierBits),
            ["ma"] = I(op.MA),
            ["mb"] = I(op.MB),
            ["shift"] = I(op.Shift),
            ["sum_bits"] = I(op.SumBits),
            ["out_bits"] = I(n.OutType.Width),
            ["lo"] = VerilogLiteral.Signed64(n.OutType.Min),
            ["hi"] = VerilogLiteral.Signed64(n.OutType.Max),
        };
    }
}
