using QuantHdl.Compiler.Ir;

namespace QuantHdl.Hardware;

/// <summary>
/// The analytic cycle count of the emitted pipeline, from the folding alone (docs/integer-semantics.md
/// §6-§8): a dense layer computes In/SIMD x Out/PE cycles per frame, a conv that many per output pixel,
/// a pool takes one input beat per cycle, and the input stream one beat per cycle. The stages overlap,
/// so the slowest one sets the initiation interval. A read-only analysis: it never changes the graph.
/// </summary>
public static class CycleModel
{
    /// <summary>Cycles per frame of every node, in graph order.</summary>
    public static IReadOnlyList<(string Node, long Cycles)> PerNode(IrGraph g) =>
        g.Nodes.Select(n => (n.Name, n.Op switch
        {
            InputOp i => (long)i.Size / i.Lanes,
            DenseOp d => (long)(d.In / d.Fold.Simd) * (d.Out / d.Fold.Pe),
            ConvOp c => (long)c.OutH * c.OutW * (c.Mvu.In / c.Mvu.Fold.Simd) * (c.Mvu.Out / c.Mvu.Fold.Pe),
            MaxPoolOp p => (long)p.InH * p.InW * p.C / Source(g, n).OutLanes,
            AvgPoolOp p => (long)p.InH * p.InW * p.C / Source(g, n).OutLanes,
            _ => throw new IrException($"node {n.Name}: no cycle model for {n.Op.GetType().Name}"),
        })).ToList();

    /// <summary>The analytic initiation interval: the cycles of the slowest node, and its name.</summary>
    public static (long Cycles, string Bottleneck) InitiationInterval(IrGraph g)
    {
        var per = PerNode(g);
        var top = per.MaxBy(p => p.Cycles);
        return (top.Cycles, top.Node);
    }

    private static IrNode Source(IrGraph g, IrNode n) => g.Node(n.Inputs[0]);
}
