using QuantHdl.Flow;
using QuantHdl.Ir;

namespace QuantHdl.Cli;

/// <summary>Connects the compile stage to RTL emission and vector writing.</summary>
internal static class Backend
{
    public static void Emit(IrGraph graph, string buildDir, long[][] inputs) => VerifyFlow.Emit(graph, buildDir, inputs);
}
