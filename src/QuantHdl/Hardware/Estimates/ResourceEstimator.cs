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
    /// The estimate of every node and the totals. The initiation interval is the slowest node's cycles; the latency is
    /// the time of a frame's last output beat, <see cref="FrameLatency"/>.
    /// </summary>
    public static GraphEstimate Of(IrGraph g, FpgaFamily family)
    {
        var nodes = g.Nodes.Select(n => (n.Name, Of(g, n, family))).ToList();
        var top = nodes.MaxBy(x => x.Item2.Cycles);
        long ii = top.Item2.Cycles;
        long latency = FrameLatency(g, nodes.ToDictionary(x => x.Name, x => x.Item2));
        return new GraphEstimate(family, nodes, nodes.Sum(x => x.Item2.Lut), nodes.Sum(x => x.Item2.Ff), nodes.Sum(x => x.Item2.Dsp),
            nodes.Sum(x => x.Item2.Bram), ii, top.Name, latency);
    }

    /// <summary>
    /// The cycles from a frame's first input beat to its last output beat (docs/estimation.md "Latency"), from each
    /// node's first and last output times. A dense layer on a vector needs the whole vector in its buffer before it
    /// computes, so its last output comes its SF*NF cycles and pipeline after its input's last beat, and its first one
    /// group later. Every other node streams: its first output comes its fill time (latency less cycles) after its
    /// input's first, and its last no earlier than its input's last plus that fill, nor than its first plus its own
    /// cycles. A node with several inputs waits for the latest.
    /// </summary>
    public static long FrameLatency(IrGraph g, IReadOnlyDictionary<string, ResourceEstimate> estimates)
    {
        var first = new Dictionary<string, long>(StringComparer.Ordinal);
        var last = new Dictionary<string, long>(StringComparer.Ordinal);
        long Visit(IrNode n)
        {
            if (last.TryGetValue(n.Name, out var done)) return done;
            var e = estimates[n.Name];
            if (n.Op.Kind == OpKind.Input)
            {
                first[n.Name] = 1;
                return last[n.Name] = e.Cycles;
            }
            long inLast = n.Inputs.Max(i => Visit(g.Node(i)));
            long inFirst = n.Inputs.Max(i => first[i]);
            if (n.Op is DenseOp d)
            {
                long sf = d.In / d.Fold.Simd;
                long tail = Math.Max(0, e.Latency - sf);
                first[n.Name] = inLast + Math.Max(0, tail - e.Cycles) + sf;
                return last[n.Name] = inLast + tail;
            }
            long fill = Math.Max(0, e.Latency - e.Cycles);
            first[n.Name] = inFirst + fill;
            return last[n.Name] = Math.Max(inLast + fill, first[n.Name] + e.Cycles);
        }
        return Visit(g.Node(g.Output));
    }
}
