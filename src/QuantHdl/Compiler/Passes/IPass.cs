using QuantHdl.Compiler.Ir;

namespace QuantHdl.Compiler.Passes;

/// <summary>A transformation of the IR. Analyses that only read live elsewhere.</summary>
public interface IPass
{
    /// <summary>Short name for logs and errors.</summary>
    string Name { get; }

    /// <summary>Returns the transformed graph; never mutates its argument.</summary>
    IrGraph Run(IrGraph graph);
}
