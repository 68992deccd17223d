using QuantHdl.Compiler.Ir;

namespace QuantHdl.Hardware.Estimates;

/// <summary>The estimator of <see cref="OpKind.Input"/>: the top level's input port, no logic; one beat per cycle.</summary>
internal static class InputEstimator
{
    public static ResourceEstimate Estimate(IrGraph g, IrNode n, IrNode src, CostTable t)
    {
        long cycles = CycleModel.Of(g, n);
        return new ResourceEstimate(0, 0, 0, 0, cycles, cycles);
    }
}
