using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Compiler.Passes;

/// <summary>Sets every dense and conv layer's accumulator to exactly the width its bound needs (integer-semantics §5).</summary>
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
                nodes[i] = nodes[i] with { Op = d with { AccBits = AccumulatorBound.RequiredBits(d.Matrix, src.OutType) } };
            }
            else if (nodes[i].Op is ConvOp c)
            {
                // §7: a conv's accumulator is its window matrix's, whose zero (off-group) weights add nothing.
                var src = nodes.First(n => n.Name == nodes[i].Inputs[0]);
                nodes[i] = nodes[i] with { Op = c with { Mvu = c.Mvu with { AccBits = AccumulatorBound.RequiredBits(c.Mvu.Matrix, src.OutType) } } };
            }
        }
        return graph with { Nodes = nodes };
    }
}
