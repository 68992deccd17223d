using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;
using QuantHdl.Golden.Kernels;

namespace QuantHdl.Golden;

/// <summary>
/// Executes an <see cref="IrGraph"/> in integer arithmetic only: the executable reference that the
/// RTL is checked against. Throws <see cref="IntegerOverflowException"/> on any overflow.
/// </summary>
public sealed class GoldenSimulator
{
    private readonly IrGraph _graph;
    private readonly IKernel[] _kernels;
    // The index of the node each node reads; the input node reads the sample.
    private readonly int[] _sources;

    /// <summary>Validates the graph and prepares one kernel per node.</summary>
    public GoldenSimulator(IrGraph graph)
    {
        IrValidator.Check(graph);
        _graph = graph;
        var index = graph.Nodes.Select((n, i) => (n.Name, i)).ToDictionary(t => t.Name, t => t.i);
        _sources = graph.Nodes.Select(n => n.Inputs.Length == 0 ? -1 : index[n.Inputs[0]]).ToArray();
        _kernels = graph.Nodes.Select((n, i) => KernelFor(n, _sources[i] < 0 ? n.OutType : graph.Nodes[_sources[i]].OutType)).ToArray();
    }

    /// <summary>The graph being simulated.</summary>
    public IrGraph Graph => _graph;

    /// <summary>One output array per node in graph order; element 0 is (a copy of) the input.</summary>
    public static long[][] Run(IrGraph g, long[] input) => new GoldenSimulator(g).Run(input, 0);

    /// <summary>Runs one sample; <paramref name="sample"/> only labels error messages.</summary>
    public long[][] Run(long[] input, int sample)
    {
        var outs = new long[_graph.Nodes.Length][];
        // The validator puts the input node first; its kernel checks the sample.
        outs[0] = _kernels[0].Run(input, sample);
        for (int i = 1; i < outs.Length; i++) outs[i] = _kernels[i].Run(outs[_sources[i]], sample);
        return outs;
    }

    /// <summary>The network output (last node) for one sample.</summary>
    public long[] Logits(long[] input, int sample) => Run(input, sample)[^1];

    /// <summary>Argmax with ties to the lowest index (integer-semantics §4).</summary>
    public static int ArgMax(ReadOnlySpan<long> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /// <summary>
    /// The one dispatch of the golden simulator: each op kind's kernel lives in
    /// <c>Golden/Kernels/&lt;Kind&gt;Kernel.cs</c>. <paramref name="input"/> is the type of the edge the node reads.
    /// </summary>
    internal static IKernel KernelFor(IrNode n, IntType input) => n.Op.Kind switch
    {
        OpKind.Input => new InputKernel(n),
        OpKind.Dense => new DenseKernel(n, input),
        OpKind.Conv => new ConvKernel(n, input),
        OpKind.MaxPool => new MaxPoolKernel(n),
        OpKind.AvgPool => new AvgPoolKernel(n),
    };
}
