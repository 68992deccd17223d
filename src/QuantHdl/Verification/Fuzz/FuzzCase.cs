using QuantHdl.Compiler.Ir;

namespace QuantHdl.Verification.Fuzz;

/// <summary>
/// One generated network and the inputs streamed through it. <paramref name="Seed"/> regenerates both
/// (<see cref="NetworkGenerator.Generate"/>) and also seeds the stall pattern of its Verilator run.
/// </summary>
public sealed record FuzzCase(ulong Seed, IrGraph Graph, long[][] Inputs)
{
    /// <summary>
    /// The layer count and the input (type, frame for a spatial one, lanes), then each layer: "in-out code fold"
    /// for a dense layer, the window geometry and its MVU for a conv, the window for a pool; for progress lines.
    /// </summary>
    public string Describe()
    {
        var x = Graph.Nodes[0];
        var frame = EdgeShape.Of(x);
        string input = frame.H * frame.W > 1 ? $"{x.OutType}[{frame}]" : $"{x.OutType}[{x.OutSize}]";
        return $"{Graph.Nodes.Length - 1} layers, input {input}/{x.OutLanes}: " +
            string.Join(", ", Graph.Nodes.Skip(1).Select(n => n.Op.Kind switch
            {
                OpKind.Dense => Describe(n, (DenseOp)n.Op),
                OpKind.Conv => Describe(n, (ConvOp)n.Op),
                OpKind.MaxPool => $"maxpool {((MaxPoolOp)n.Op).K} -> {EdgeShape.Of(n)}",
                OpKind.AvgPool => $"avgpool {((AvgPoolOp)n.Op).KH}x{((AvgPoolOp)n.Op).KW} -> {n.OutType}[{EdgeShape.Of(n)}]",
                OpKind.Add => $"add -> {n.OutType}[{EdgeShape.Of(n)}]",
                OpKind.Fork => $"fork to {string.Join("/", ((ForkOp)n.Op).Branches.Select(b => b.Consumer))}",
                OpKind.Input => "input",
            }));
    }

    private static string Describe(IrNode n, DenseOp d) =>
        $"{d.In}-{d.Out} {d.Weight} {d.Fold} acc {d.AccBits} mb {d.Rq.MultiplierBits} -> {n.OutType}";

    private static string Describe(IrNode n, ConvOp c) =>
        $"conv k{c.K}s{c.Stride}p{c.Pad}g{c.Groups} {c.InC}-{c.OutC} {c.Mvu.Weight} {c.Mvu.Fold} acc {c.Mvu.AccBits} mb {c.Mvu.Rq.MultiplierBits} -> {n.OutType}[{EdgeShape.Of(n)}]";
}
