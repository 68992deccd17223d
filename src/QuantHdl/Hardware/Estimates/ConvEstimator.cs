using QuantHdl.Compiler.Ir;

namespace QuantHdl.Hardware.Estimates;

/// <summary>
/// The estimator of <see cref="OpKind.Conv"/>: its matrix-vector unit (as a dense layer over one window) behind the
/// sliding-window unit, whose line buffer of <see cref="RtlEmitter.SwuRows"/> rows goes to block RAM when it exceeds
/// the family's LUTRAM-sized limit. Latency adds the rows the window must wait for (docs/estimation.md).
/// </summary>
internal static class ConvEstimator
{
    public static ResourceEstimate Estimate(IrGraph g, IrNode n, IrNode src, CostTable t)
    {
        var c = (ConvOp)n.Op;
        int a = src.OutType.Width;
        var mvu = DenseEstimator.Mvu(c.Mvu, g, n, src, t);
        int rows = RtlEmitter.SwuRows(c, a);
        int depth = rows * c.InW * c.InC / c.Mvu.Fold.Simd, width = c.Mvu.Fold.Simd * a;
        long bram = 0, lut = 0, ff = 0;
        if (depth >= t.BramMinDepth) bram = MvuFeatures.BramBlocks(depth, width, t.Family);
        else if (t.HasLutRam) lut += MvuFeatures.LutRamLuts(depth, width);
        else ff += (long)depth * width;
        // Window counters (y, x, ky, kx, channel fold), padding compare and the read-address arithmetic.
        lut += 60 + 2L * width;
        ff += 60 + width;
        long fill = ((long)(c.K - 1) * c.InW + c.K) * c.InC / src.OutLanes;
        return mvu with { Lut = mvu.Lut + lut, Ff = mvu.Ff + ff, Bram = mvu.Bram + bram, Latency = mvu.Latency + fill };
    }
}
