using QuantHdl.Compiler.Ir;

namespace QuantHdl.Hardware.Estimates;

/// <summary>
/// The estimator of <see cref="OpKind.Dense"/>: the matrix-vector unit of <see cref="MvuFeatures"/>, plus hdl/axis_dwc.v
/// when the input beat is regrouped. Latency: the SF input beats of the vector, its SF*NF compute cycles, and the
/// unit's pipeline latency (docs/estimation.md).
/// </summary>
internal static class DenseEstimator
{
    public static ResourceEstimate Estimate(IrGraph g, IrNode n, IrNode src, CostTable t) => Mvu((DenseOp)n.Op, g, n, src, t);

    /// <summary>The MVU of <paramref name="d"/>, with the cycles per frame of node <paramref name="n"/>.</summary>
    public static ResourceEstimate Mvu(DenseOp d, IrGraph g, IrNode n, IrNode src, CostTable t)
    {
        var f = MvuFeatures.Of(d, src.OutType.Width, src.OutLanes, n.OutType.Width, t);
        var hw = new MvuLayout(d).Hardware(src.OutType.Width, src.OutLanes);
        long lut = f.Luts(t), ff = f.FfBits;
        if (hw.Dwc)
        {
            // The regrouping buffer: lcm-sized word of elements, its counters and a select per output element.
            long bits = (long)Math.Max(src.OutLanes, d.Fold.Simd) * 2 * src.OutType.Width;
            lut += bits / 2 + 10;
            ff += bits + 12;
        }
        long cycles = CycleModel.Of(g, n);
        long latency = hw.Sf + cycles + hw.PipeLatency;
        return new ResourceEstimate(lut, ff, f.Dsp, f.Bram, cycles, latency);
    }
}
