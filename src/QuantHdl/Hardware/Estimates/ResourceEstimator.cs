using QuantHdl.Compiler.Ir;

namespace QuantHdl.Hardware.Estimates;

/// <summary>The estimator of one op kind: node <c>n</c> of graph <c>g</c>, reading node <c>src</c>, under a cost table.</summary>
public delegate ResourceEstimate NodeEstimator(IrGraph g, IrNode n, IrNode src, CostTable t);

/// <summary>
/// The analytic resource estimate of a graph (docs/estimation.md): one estimator per op kind, in
/// <c>Hardware/Estimates/&lt;Kind&gt;Estimator.cs</c>, dispatched by <see cref="For"/>. A read-only analysis over the
/// graph that returns data; it never changes the graph, and needs no synthesis tool.
/// </summary>
public static class ResourceEstimator
{
    /// <summary>The one dispatch: the estimator of an op kind.</summary>
    public static NodeEstimator For(OpKind kind) => kind switch
    {
        OpKind.Input => InputEstimator.Estimate,
        OpKind.Dense => DenseEstimator.Estimate,
        OpKind.Conv => ConvEstimator.Estimate,
        OpKind.MaxPool => MaxPoolEstimator.Estimate,
        OpKind.AvgPool => AvgPoolEstimator.Estimate,
        OpKind.Add => AddEstimator.Estimate,
        OpKind.Fork => ForkEstimator.Estimate,
    };

    /// <summary>The estimate of node <paramref name="n"/> of <paramref name="g"/> for <paramref name="family"/>.</summary>
    public static ResourceEstimate Of(IrGraph g, IrNode n, FpgaFamily family) =>
        For(n.Op.Kind)(g, n, n.Op.Kind == OpKind.Input ? n : g.Node(n.Inputs[0]), CostTable.For(family));

    /// <summary>
    /// The estimate of every node and the totals. The initiation interval is the slowest node's cycles; the pipeline
    /// latency adds each node's fill time (its latency less its cycles) to the initiation interval.
    /// </summary>
    public static GraphEstimate Of(IrGraph g, FpgaFamily family)
    {
        var nodes = g.Nodes.Select(n => (n.Name, Of(g, n, family))).ToList();
        var top = nodes.MaxBy(x => x.Item2.Cycles);
        long ii = top.Item2.Cycles;
        long latency = nodes.Sum(x => Math.Max(0, x.Item2.Latency - x.Item2.Cycles)) + ii;
        return new GraphEstimate(family, nodes, nodes.Sum(x => x.Item2.Lut), nodes.Sum(x => x.Item2.Ff), nodes.Sum(x => x.Item2.Dsp),
            nodes.Sum(x => x.Item2.Bram), ii, top.Name, latency);
    }
}
