using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Ir;
using static QuantHdl.Hardware.Emitters.EmitText;

namespace QuantHdl.Hardware.Emitters;

/// <summary>The emitter of <see cref="OpKind.MaxPool"/>: the model of templates/maxpool.v.hbs (hdl/maxpool.v).</summary>
internal static class MaxPoolEmitter
{
    /// <summary>The template model of node <paramref name="n"/>, which reads <paramref name="src"/>.</summary>
    public static TemplateModel Model(IrGraph g, IrNode n, IrNode src, string prefix) => Model(g, n, (MaxPoolOp)n.Op, src, prefix);

    private static TemplateModel Model(IrGraph g, IrNode n, MaxPoolOp p, IrNode src, string prefix) => new()
    {
        ["node"] = n.Name,
        ["graph"] = Comment(g.Name),
        ["module"] = $"{prefix}_{n.Name}",
        ["h"] = I(p.InH),
        ["w"] = I(p.InW),
        ["c"] = I(p.C),
        ["k"] = I(p.K),
        ["lanes"] = I(src.OutLanes),
        ["in_type"] = src.OutType.ToString(),
        ["elem_bits"] = I(src.OutType.Width),
        ["data_msb"] = I(src.OutLanes * src.OutType.Width - 1),
    };
}
