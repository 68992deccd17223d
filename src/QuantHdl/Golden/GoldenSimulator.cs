using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Golden;

/// <summary>
/// Executes an <see cref="IrGraph"/> in integer arithmetic only: the executable reference that the
/// RTL is checked against. Throws <see cref="IntegerOverflowException"/> on any overflow.
/// </summary>
public sealed class GoldenSimulator
{
    private readonly IrGraph _graph;
    private readonly Func<long[][], int, long[]>[] _steps;

    /// <summary>Validates the graph and prepares one kernel per node.</summary>
    public GoldenSimulator(IrGraph graph)
    {
        IrValidator.Check(graph);
        _graph = graph;
        var index = graph.Nodes.Select((n, i) => (n.Name, i)).ToDictionary(t => t.Name, t => t.i);
        _steps = graph.Nodes.Select(n => Step(n, graph, index)).ToArray();
    }

    /// <summary>The graph being simulated.</summary>
    public IrGraph Graph => _graph;

    /// <summary>One output array per node in graph order; element 0 is the input itself.</summary>
    public static long[][] Run(IrGraph g, long[] input) => new GoldenSimulator(g).Run(input, 0);

    /// <summary>Runs one sample; <paramref name="sample"/> only labels error messages.</summary>
    public long[][] Run(long[] input, int sample)
    {
        var outs = new long[_graph.Nodes.Length][];
        var inputNode = _graph.Nodes[0];
        if (input.Length != inputNode.OutSize)
            throw new ArgumentException($"input has {input.Length} elements, the graph's input '{inputNode.Name}' expects {inputNode.OutSize}");
        foreach (var v in input)
            if (!inputNode.OutType.Fits(v))
                throw new IntegerOverflowException($"input {inputNode.Name}, sample {sample}: value {v} does not fit {inputNode.OutType}");
        outs[0] = input;
        for (int i = 1; i < outs.Length; i++) outs[i] = _steps[i](outs, sample);
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

    private static Func<long[][], int, long[]> Step(IrNode n, IrGraph g, Dictionary<string, int> index) => n.Op switch
    {
        InputOp => (outs, _) => outs[0],
        DenseOp => MakeDense(n, g.Nodes[index[n.Inputs[0]]], index[n.Inputs[0]]),
        ConvOp => MakeConv(n, g.Nodes[index[n.Inputs[0]]], index[n.Inputs[0]]),
        MaxPoolOp p => MakeMaxPool(p, index[n.Inputs[0]]),
        AvgPoolOp p => MakeAvgPool(n, p, index[n.Inputs[0]]),
        _ => throw new IrException($"node {n.Name}: the golden simulator has no kernel for {n.Op.GetType().Name}"),
    };

    private static Func<long[][], int, long[]> MakeConv(IrNode n, IrNode src, int srcIndex)
    {
        var k = new ConvKernel(n, src.OutType);
        return (outs, sample) => k.Run(outs[srcIndex], sample);
    }

    private static Func<long[][], int, long[]> MakeMaxPool(MaxPoolOp p, int srcIndex) =>
        (outs, _) => PoolKernels.MaxPool(outs[srcIndex], p.InH, p.InW, p.C, p.K);

    private static Func<long[][], int, long[]> MakeAvgPool(IrNode n, AvgPoolOp p, int srcIndex)
    {
        var sum = IntType.U(p.SumBits);
        var prod = IntType.S(RequantMath.ProductBits(p.SumBits + 1, p.MultiplierBits));
        return (outs, sample) =>
        {
            var s = PoolKernels.WindowSum(outs[srcIndex], p.InH, p.InW, p.C, p.KH, p.KW);
            for (int i = 0; i < s.Length; i++)
            {
                if (!sum.Fits(s[i])) throw new IntegerOverflowException($"layer {n.Name}, sample {sample}, element {i}: window sum {s[i]} leaves {sum}");
                if (!prod.Fits(s[i] * p.M0)) throw new IntegerOverflowException($"layer {n.Name}, sample {sample}, element {i}: requant product leaves {prod}");
                s[i] = RequantMath.Apply(s[i], p.M0, p.Shift, 0, n.OutType.Max);
            }
            return s;
        };
    }

    private static Func<long[][], int, long[]> MakeDense(IrNode n, IrNode src, int srcIndex)
    {
        var k = new DenseKernel(n, src.OutType);
        return (outs, sample) => k.Run(outs[srcIndex], sample);
    }
}
