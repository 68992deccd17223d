using QuantHdl.Compiler.Ir;

namespace QuantHdl.Hardware.Estimates;

/// <summary>
/// The estimator of <see cref="OpKind.Fork"/>: hdl/axis_fork.v (one done bit per branch) and a hdl/skip_fifo.v of the
/// IR's depth and storage on each branch that has one: registers as flip-flops with a read mux, LUT RAM (flip-flops
/// on a family without it) or block RAM, plus its counters. Latency: one cycle, two through block RAM
/// (docs/estimation.md). Structural constants, not fitted against Yosys.
/// </summary>
internal static class ForkEstimator
{
    public static ResourceEstimate Estimate(IrGraph g, IrNode n, IrNode src, CostTable t)
    {
        var op = (ForkOp)n.Op;
        int width = n.OutLanes * n.OutType.Width + 1; // data and tlast
        long lut = 2L * op.Branches.Length, ff = op.Branches.Length, bram = 0;
        int latency = 1;
        foreach (var b in op.Branches.Where(b => b.Depth > 0))
        {
            int addr = Math.Max(1, (int)Math.Ceiling(Math.Log2(b.Depth + 1)));
            ff += 3L * addr + 2; // read and write pointers, count
            lut += 3L * addr + 6;
            switch (b.Storage)
            {
                case "bram":
                    bram += MvuFeatures.BramBlocks(b.Depth, width, t.Family);
                    ff += width; // the RAM's read register is the output register
                    latency = 2;
                    break;
                case "lutram" when t.HasLutRam:
                    lut += MvuFeatures.LutRamLuts(b.Depth, width);
                    break;
                default:
                    ff += (long)b.Depth * width;
                    lut += (long)b.Depth * width / 2;
                    break;
            }
        }
        long cycles = CycleModel.Of(g, n);
        return new ResourceEstimate(lut, ff, 0, bram, cycles, cycles + latency);
    }
}
