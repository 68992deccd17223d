using QuantHdl.Models;

namespace QuantHdl.Compiler.Freeze;

/// <summary>
/// A trained fake-quant convolution on an <see cref="Input"/>-shaped edge: K x K kernel, stride,
/// zero padding and groups, and its §7 window matrix [C_out, K*K*C_in] (columns (ky, kx, c), code 0
/// outside each output channel's group) with its bias, scales, steps and fused ReLU.
/// </summary>
public sealed record ConvSource(string Name, Shape Input, int K, int Stride, int Pad, int Groups, DenseSource Window) : NodeSource(Name);
