using QuantHdl.Arithmetic;
using QuantHdl.Models;

namespace QuantHdl.Compiler.Freeze;

/// <summary>
/// A trained fake-quant network as the freezer reads it: its input (unsigned integers at a real scale,
/// of shape <see cref="Input"/>; flat for an MLP) and its named nodes in order, each with its own record,
/// and the <see cref="DeploymentSettings"/> it was trained for. <see cref="FakeQuantSource"/> makes one
/// from a QAT model; tests build them by hand.
/// </summary>
public sealed record ModelSource(string Name, Shape Input, IntType InputType, double InputScale, NodeSource[] Nodes)
{
    /// <summary>The F and multiplier width to freeze with (integer-semantics §3, §4): the ones the bias grid was trained for.</summary>
    public DeploymentSettings Deployment { get; init; } = DeploymentSettings.Default;
}
