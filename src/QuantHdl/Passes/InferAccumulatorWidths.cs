using QuantHdl.Ir;

namespace QuantHdl.Passes;

/// <summary>Sets every dense layer's accumulator to exactly the width its bound needs (integer-semantics §5).</summary>
public sealed class InferAccumulatorWidths : IPass
{
    /// <inheritdoc/>
    public string Name => "infer-accumulator-widths";

    /// <inheritdoc/>
    public IrGraph Run(IrGraph graph)
    {
        var nodes = graph.Nodes.ToArray();
        for (int i = 0; i < nodes.Length; i++)
        {
            if (nodes[i].Op is DenseOp d)
            {
                var src = nodes.First(n => n.Name == nodes[i].Inputs[0]);
                nodes[i] = nodes[i] with { Op = d with { AccBits = AccumulatorBound.RequiredBits(d, src.OutType) } };
            }
        }
        return graph with { Nodes = nodes };
    }
}
