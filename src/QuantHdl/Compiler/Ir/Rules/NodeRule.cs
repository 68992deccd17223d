namespace QuantHdl.Compiler.Ir.Rules;

/// <summary>
/// One op kind's validator rule: throws <see cref="IrException"/> naming <paramref name="node"/> when its op,
/// its output edge or its <paramref name="sources"/> (the nodes it reads, already checked) break an invariant.
/// <paramref name="index"/> is the node's position in the graph.
/// </summary>
internal delegate void NodeRule(IrNode node, IrNode[] sources, int index);
