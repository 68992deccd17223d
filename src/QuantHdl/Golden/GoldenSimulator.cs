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
    // The indices of the nodes each node reads, in its input order; the input node reads the sample.
    private readonly int[][] _sources;
    private readonly int _output;

    /// <summary>Validates the graph and prepares one kernel per node.</summary>
    public GoldenSimulator(IrGraph graph)
    {
        IrValidator.Check(graph);
        _graph = graph;
        var index = graph.Nodes.Select((n, i) => (n.Name, i)).ToDictionary(t => t.Name, t => t.i);
        _sources = graph.Nodes.Select(n => n.Inputs.Select(i => index[i]).ToArray()).ToArray();
        _kernels = graph.Nodes.Select((n, i) => KernelFor(n, _sources[i].Select(s => graph.Nodes[s].OutType).ToArray())).ToArray();
        _output = index[graph.Output];
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
        for (int i = 1; i < outs.Length; i++)
            outs[i] = _sources[i].Length == 1
                ? _kernels[i].Run(outs[_sources[i][0]], sample)
                : _kernels[i].Run(_sources[i].Select(s => outs[s]).ToArray(), sample);
        return outs;
    }

    /// <summary>The network output (the graph's output node) for one sample.</summary>
    public long[] Logits(long[] input, int sample) => Run(input, sample)[_output];

    /// <summary>Argmax with ties to the lowest index (integer-semantics §4).</summary>
    public static int ArgMax(ReadOnlySpan<long> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /// <summary>
    /// The one dispatch of the golden simulator: each op kind's kernel lives in
    /// <c>Golden/Kernels/&lt;Kind&gt;Kernel.cs</c>. <paramref name="inputs"/> are the types of the edges the node
    /// reads, in its input order (none for the input node).
    /// </summary>
    internal static IKernel KernelFor(IrNode n, IntType[] inputs) => n.Op.Kind switch
    {
        OpKind.Input => new InputKernel(n),
        OpKind.Dense => new DenseKernel(n, inputs[0]),
        OpKind.Conv => new ConvKernel(n, inputs[0]),
        OpKind.MaxPool => new MaxPoolKernel(n),
        OpKind.AvgPool => new AvgPoolKernel(n),
        OpKind.Add => new AddKernel(n, inputs[0], inputs[1]),
        OpKind.Fork => new ForkKernel(),
    };
}
