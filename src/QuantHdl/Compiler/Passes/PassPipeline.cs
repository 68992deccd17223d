using QuantHdl.Compiler.Ir;

namespace QuantHdl.Compiler.Passes;

/// <summary>An explicit, ordered list of passes; the validator runs after each one.</summary>
public static class PassPipeline
{
    /// <summary>The default lowering after freezing.</summary>
    public static IPass[] Default(int maxMacsPerCycle = 64, IReadOnlyDictionary<string, Folding>? foldOverrides = null) =>
    [
        new InferAccumulatorWidths(), // before folding: widths depend only on weights, and the validator needs them
        new AssignFolding(maxMacsPerCycle, foldOverrides), // sets PE, which fixes each output edge's lanes
        new SizeSkipFifos(), // after folding: depths are in beats of the forked stream
    ];

    /// <summary>Runs the passes in order, validating the input and every result.</summary>
    public static IrGraph Run(IrGraph graph, IEnumerable<IPass> passes)
    {
        IrValidator.Check(graph);
        foreach (var p in passes)
        {
            graph = p.Run(graph);
            try
            {
                IrValidator.Check(graph);
            }
            catch (IrException e)
            {
                throw new IrException($"after pass {p.Name}: {e.Message}");
            }
        }
        return graph;
    }
}
