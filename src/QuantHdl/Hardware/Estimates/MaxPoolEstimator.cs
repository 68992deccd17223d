using QuantHdl.Compiler.Ir;

namespace QuantHdl.Hardware.Estimates;

/// <summary>
/// The estimator of <see cref="OpKind.MaxPool"/>: hdl/maxpool.v on hdl/pool_window.v, which keeps the partial maxima
/// of one output row ((W/K)*C codes) and compares one beat of lanes per cycle, with a 4-entry output FIFO. Latency:
/// the frame's beats plus two cycles (docs/estimation.md).
/// </summary>
internal static class MaxPoolEstimator
{
    public static ResourceEstimate Estimate(IrGraph g, IrNode n, IrNode src, CostTable t)
    {
        var p = (MaxPoolOp)n.Op;
        int lanes = src.OutLanes, bits = src.OutType.Width;
        return PoolCost.Of(g, n, lanes, bits, bits, (p.InW / p.K) * p.C, t, requant: false);
    }
}

/// <summary>The shared cost model of the two pooling units (hdl/pool_window.v and its reducers).</summary>
internal static class PoolCost
{
    public static ResourceEstimate Of(IrGraph g, IrNode n, int lanes, int elemBits, int accBits, int rowWords, CostTable t, bool requant)
    {
        int width = lanes * accBits;
        int depth = Math.Max(1, rowWords / lanes);
        long lut = 0, ff = 0, bram = 0, dsp = 0;
        if (depth >= t.BramMinDepth) bram = MvuFeatures.BramBlocks(depth, width, t.Family);
        else if (t.HasLutRam) lut += MvuFeatures.LutRamLuts(depth, width);
        else ff += (long)depth * width;
        // One compare-and-select (max) or adder (sum) per lane, the window counters, the 4-entry FIFO.
        lut += (long)lanes * accBits * (requant ? 1 : 2) + 40;
        ff += 2L * width + 4L * lanes * n.OutType.Width + 40;
        if (t.HasLutRam) lut += MvuFeatures.LutRamLuts(4, lanes * n.OutType.Width);
        if (requant)
        {
            // The requant unit: a (sum x M0) product, round, shift and clamp, per lane.
            if (t.DspProductMinBits > 0) dsp += lanes;
            else lut += (long)Math.Round(lanes * accBits * 16 * t.Lut[7]);
            lut += (long)Math.Round(lanes * (accBits + 17) * t.Lut[6]);
            ff += lanes * (accBits + 17 + 8L);
        }
        long cycles = CycleModel.Of(g, n);
        return new ResourceEstimate(lut, ff, dsp, bram, cycles, cycles + (requant ? 4 : 2));
    }
}
