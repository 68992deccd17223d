namespace QuantHdl.Ir;

/// <summary>A dataflow graph in topological order. The last node is the network output.</summary>
public sealed record IrGraph(string Name, IrNode[] Nodes)
{
    /// <summary>Format tag written to ir.json.</summary>
    public string Format { get; init; } = "quanthdl-ir";

    /// <summary>Format version written to ir.json.</summary>
    public int Version { get; init; } = 1;

    /// <summary>The node with this name; throws naming it when absent.</summary>
    public IrNode Node(string name) =>
        Nodes.FirstOrDefault(n => n.Name == name) ?? throw new IrException($"no node named '{name}' in graph '{Name}'");

    /// <summary>The network output node.</summary>
    public IrNode Output => Nodes[^1];
}
