using QuantHdl.Arithmetic;

namespace QuantHdl.Compiler.Freeze;

/// <summary>
/// A trained fake-quant dense layer (or the window matrix of a conv, <see cref="ConvSource.Window"/>):
/// float weights [Out, In] with the columns in the stream order of the edge it reads
/// (integer-semantics §7), the bias, the weight code, the per-channel scale (LSQ step s_c for
/// uniform, alpha_c for POT/POST), the real step of its input and of its output, its output type and
/// whether ReLU is fused into its clamp.
/// </summary>
public sealed record DenseSource(
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
    bool Relu) : NodeSource(Name);
