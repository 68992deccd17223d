using QuantHdl.Compiler.Ir;

namespace QuantHdl.Hardware.Estimates;

/// <summary>
/// The estimator of <see cref="OpKind.AvgPool"/>: hdl/pool_sum.v on hdl/pool_window.v, which keeps the partial sums
/// of one output row ((W/KW)*C sums of SumBits) and adds one beat of lanes per cycle, then requantizes each window
/// sum. Latency: the frame's beats plus the requant stages (docs/estimation.md).
/// </summary>
internal static class AvgPoolEstimator
{
    public static ResourceEstimate Estimate(IrGraph g, IrNode n, IrNode src, CostTable t)
    {
        var p = (AvgPoolOp)n.Op;
        return PoolCost.Of(g, n, src.OutLanes, src.OutType.Width, p.SumBits, (p.InW / p.KW) * p.C, t, requant: true);
    }
}
