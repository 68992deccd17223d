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
            var n = nodes[i];
            IntType Src() => nodes.First(s => s.Name == n.Inputs[0]).OutType;
            nodes[i] = n.Op.Kind switch
            {
                OpKind.Dense => n with { Op = Exact((DenseOp)n.Op, Src()) },
                // §7: a conv's accumulator is its window matrix's, whose zero (off-group) weights add nothing.
                OpKind.Conv => n with { Op = ((ConvOp)n.Op) with { Mvu = Exact(((ConvOp)n.Op).Mvu, Src()) } },
                OpKind.Input or OpKind.MaxPool or OpKind.AvgPool or OpKind.Add or OpKind.Fork => n,
            };
        }
        return graph with { Nodes = nodes };
    }

    private static DenseOp Exact(DenseOp d, IntType input) => d with { AccBits = AccumulatorBound.RequiredBits(d.Matrix, input) };
}
