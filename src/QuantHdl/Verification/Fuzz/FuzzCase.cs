using QuantHdl.Compiler.Ir;

namespace QuantHdl.Verification.Fuzz;

/// <summary>
/// One generated network and the inputs streamed through it. <paramref name="Seed"/> regenerates both
/// (<see cref="NetworkGenerator.Generate"/>) and also seeds the stall pattern of its Verilator run.
/// </summary>
public sealed record FuzzCase(ulong Seed, IrGraph Graph, long[][] Inputs)
{
    /// <summary>Dense layers, then each as "in-out code fold", for progress lines.</summary>
    public string Describe() =>
        $"{Graph.Nodes.Length - 1} layers, input {Graph.Nodes[0].OutType}[{Graph.Nodes[0].OutSize}]/{Graph.Nodes[0].OutLanes}: " +
        string.Join(", ", Graph.Nodes.Skip(1).Select(n => n.Op.Kind switch
        {
            OpKind.Dense => Describe(n, (DenseOp)n.Op),
            // The fuzzer generates dense chains; other kinds are only named.
            OpKind.Input or OpKind.Conv or OpKind.MaxPool or OpKind.AvgPool => n.Op.GetType().Name,
        }));

    private static string Describe(IrNode n, DenseOp d) =>
        $"{d.In}-{d.Out} {d.Weight} {d.Fold} acc {d.AccBits} mb {d.Rq.MultiplierBits} -> {n.OutType}";
}
