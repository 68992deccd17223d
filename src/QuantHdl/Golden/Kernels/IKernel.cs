namespace QuantHdl.Golden.Kernels;

/// <summary>
/// One op kind's golden kernel, prepared for one node: the node's output for the output of the node it reads,
/// in integer arithmetic only. Throws <see cref="IntegerOverflowException"/> when a value leaves its declared width.
/// </summary>
public interface IKernel
{
    /// <summary>Runs the node on <paramref name="x"/>; <paramref name="sample"/> only labels error messages.</summary>
    long[] Run(ReadOnlySpan<long> x, int sample);
}
