namespace QuantHdl.Golden.Kernels;

/// <summary>
/// One op kind's golden kernel, prepared for one node: the node's output for the outputs of the nodes it reads,
/// in integer arithmetic only. Throws <see cref="IntegerOverflowException"/> when a value leaves its declared width.
/// </summary>
public interface IKernel
{
    /// <summary>Runs the node on <paramref name="x"/>; <paramref name="sample"/> only labels error messages.</summary>
    long[] Run(ReadOnlySpan<long> x, int sample);

    /// <summary>
    /// Runs the node on the outputs of all the nodes it reads, in its input order. A kernel of one input (all
    /// kinds but the add) runs on the first.
    /// </summary>
    long[] Run(long[][] inputs, int sample) => Run(inputs[0], sample);
}
