using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Ir;
using static QuantHdl.Hardware.Emitters.EmitText;

namespace QuantHdl.Hardware.Emitters;

/// <summary>The emitter of <see cref="OpKind.Dense"/>: a layer wrapper of templates/layer.v.hbs around hdl/mvu.v.</summary>
internal static class DenseEmitter
{
    /// <summary>The template model of dense node <paramref name="n"/>, which reads <paramref name="src"/>.</summary>
    public static TemplateModel Model(IrGraph g, IrNode n, IrNode src, string prefix) =>
        LayerWrapper.Model(g, n, (DenseOp)n.Op, null, src, prefix);
}
