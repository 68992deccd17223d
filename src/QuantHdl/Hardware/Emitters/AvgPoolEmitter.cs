using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Ir;
using static QuantHdl.Hardware.Emitters.EmitText;

namespace QuantHdl.Hardware.Emitters;

/// <summary>The emitter of <see cref="OpKind.AvgPool"/>: the model of templates/avgpool.v.hbs (hdl/pool_sum.v, then one requantization).</summary>
internal static class AvgPoolEmitter
{
    /// <summary>The template model of node <paramref name="n"/>, which reads <paramref name="src"/>.</summary>
    public static TemplateModel Model(IrGraph g, IrNode n, IrNode src, string prefix) => Model(g, n, (AvgPoolOp)n.Op, src, prefix);

    private static TemplateModel Model(IrGraph g, IrNode n, AvgPoolOp p, IrNode src, string prefix) => new()
    {
        ["node"] = n.Name,
        ["graph"] = Comment(g.Name),
        ["module"] = $"{prefix}_{n.Name}",
        ["h"] = I(p.InH),
        ["w"] = I(p.InW),
        ["c"] = I(p.C),
        ["kh"] = I(p.KH),
        ["kw"] = I(p.KW),
        ["lanes"] = I(src.OutLanes),
        ["in_type"] = src.OutType.ToString(),
        ["out_type"] = n.OutType.ToString(),
        ["elem_bits"] = I(src.OutType.Width),
        ["sum_bits"] = I(p.SumBits),
        ["out_bits"] = I(n.OutType.Width),
        ["mb"] = I(p.MultiplierBits),
        ["m0"] = $"64'd{I(p.M0)}",
        ["m0_dec"] = I(p.M0),
        ["shift"] = I(p.Shift),
        ["in_data_msb"] = I(src.OutLanes * src.OutType.Width - 1),
        ["out_data_msb"] = I(n.OutLanes * n.OutType.Width - 1),
    };
}
