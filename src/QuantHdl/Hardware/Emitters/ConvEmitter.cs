using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Ir;
using static QuantHdl.Hardware.Emitters.EmitText;

namespace QuantHdl.Hardware.Emitters;

/// <summary>
/// The emitter of <see cref="OpKind.Conv"/>: the layer wrapper of templates/layer.v.hbs with the sliding-window
/// unit (hdl/swu.v) in front of the MVU over one window and the frame marker behind it.
/// </summary>
internal static class ConvEmitter
{
    /// <summary>The template model of conv node <paramref name="n"/>, which reads <paramref name="src"/>.</summary>
    public static TemplateModel Model(IrGraph g, IrNode n, IrNode src, string prefix) =>
        LayerWrapper.Model(g, n, ((ConvOp)n.Op).Mvu, (ConvOp)n.Op, src, prefix);
}
