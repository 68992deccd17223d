using QuantHdl.Compiler.Ir;

namespace QuantHdl.Golden.Kernels;

/// <summary>The golden kernel of <see cref="ForkOp"/> (docs/integer-semantics.md §10): every branch sees the input unchanged.</summary>
public sealed class ForkKernel : IKernel
{
    /// <inheritdoc/>
    public long[] Run(ReadOnlySpan<long> x, int sample) => x.ToArray();
}
