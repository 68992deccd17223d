using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Compiler.Freeze;

/// <summary>
/// A trained fake-quant dense layer, as the freezer needs it: float weights [Out, In] and bias, the
/// weight code, the per-channel scale (LSQ step s_c for uniform, alpha_c for POT/POST), the real
/// step of its input and of its output, and whether ReLU is fused.
/// </summary>
public sealed record LayerSource(
    string Name,
    int In,
    int Out,
    float[] Weight,
    float[] Bias,
    WeightSpec Spec,
    float[] ChannelScale,
    double InputStep,
    double OutputStep,
    IntType OutputType,
    bool Relu);
