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
        g.Nodes.Select(n => (n.Name, Of(g, n))).ToList();

    /// <summary>
    /// Cycles per frame of node <paramref name="n"/> of <paramref name="g"/>: the one dispatch of the cycle model,
    /// to the per-kind functions below.
    /// </summary>
    public static long Of(IrGraph g, IrNode n) => n.Op.Kind switch
    {
        OpKind.Input => Input(n),
        OpKind.Dense => Dense((DenseOp)n.Op),
        OpKind.Conv => Conv((ConvOp)n.Op),
        OpKind.MaxPool => MaxPool((MaxPoolOp)n.Op, Source(g, n)),
        OpKind.AvgPool => AvgPool((AvgPoolOp)n.Op, Source(g, n)),
        OpKind.Add => Passing(n),
        OpKind.Fork => Passing(n),
    };

    /// <summary>An add or a fork moves one beat per cycle (§9, §10).</summary>
    private static long Passing(IrNode n) => (long)n.OutSize / n.OutLanes;

    /// <summary>One beat of the input stream per cycle.</summary>
    private static long Input(IrNode input) => (long)input.OutSize / input.OutLanes;

    /// <summary>In/SIMD x Out/PE cycles per frame (§6).</summary>
    private static long Dense(DenseOp d) => (long)(d.In / d.Fold.Simd) * (d.Out / d.Fold.Pe);

    /// <summary>The matrix's cycles once per output pixel (§7).</summary>
    private static long Conv(ConvOp c) => (long)c.OutH * c.OutW * Dense(c.Mvu);

    /// <summary>One input beat per cycle (§8).</summary>
    private static long MaxPool(MaxPoolOp p, IrNode src) => (long)p.InH * p.InW * p.C / src.OutLanes;

    /// <summary>One input beat per cycle (§8).</summary>
    private static long AvgPool(AvgPoolOp p, IrNode src) => (long)p.InH * p.InW * p.C / src.OutLanes;

    /// <summary>The analytic initiation interval: the cycles of the slowest node, and its name.</summary>
    public static (long Cycles, string Bottleneck) InitiationInterval(IrGraph g)
    {
        var per = PerNode(g);
        var top = per.MaxBy(p => p.Cycles);
        return (top.Cycles, top.Node);
    }

    private static IrNode Source(IrGraph g, IrNode n) => g.Node(n.Inputs[0]);
}
