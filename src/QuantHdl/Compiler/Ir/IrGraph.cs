using System.Text.Json.Serialization;

namespace QuantHdl.Compiler.Ir;

/// <summary>
/// A dataflow graph in topological order. <see cref="Output"/> names the node whose stream is the
/// network output: a logit layer of <see cref="Classes"/> signed values (the validator checks both).
/// </summary>
public sealed record IrGraph(string Name, IrNode[] Nodes)
{
    /// <summary>Format tag written to ir.json.</summary>
    public string Format { get; init; } = "quanthdl-ir";

    /// <summary>Format version written to ir.json.</summary>
    public int Version { get; init; } = 1;

    /// <summary>Name of the network output node, the logit layer. The single source of what the output is.</summary>
    [JsonRequired]
    public required string Output { get; init; }

    /// <summary>Number of classes of the data set the network was trained on; the output node has this many logits.</summary>
    [JsonRequired]
    public required int Classes { get; init; }

    /// <summary>The node with this name; throws naming it when absent.</summary>
    public IrNode Node(string name) =>
        Nodes.FirstOrDefault(n => n.Name == name) ?? throw new IrException($"no node named '{name}' in graph '{Name}'");

    /// <summary>The network output node (<see cref="Output"/>).</summary>
    [JsonIgnore]
    public IrNode OutputNode => Node(Output);
}
