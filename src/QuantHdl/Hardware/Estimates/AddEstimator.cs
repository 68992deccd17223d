using QuantHdl.Compiler.Ir;

namespace QuantHdl.Hardware.Estimates;

/// <summary>
/// The estimator of <see cref="OpKind.Add"/>: hdl/residual_add.v, per lane two constant products (a x M_a, b x M_b;
/// DSPs where the family multiplies in DSPs, else LUTs as in the requantizer), the sum, the rounding and the clamp,
/// a sum register and a 3-entry output queue; an axis_dwc in front of the shortcut when its width differs. Latency:
/// two cycles (docs/estimation.md). Structural constants, not fitted against Yosys.
/// </summary>
internal static class AddEstimator
{
    public static ResourceEstimate Estimate(IrGraph g, IrNode n, IrNode src, CostTable t)
    {
        var op = (AddOp)n.Op;
        var b = g.Node(n.Inputs[1]);
        int lanes = n.OutLanes, outBits = n.OutType.Width;
        long lut = 0, ff = 0, dsp = 0;
        foreach (var input in new[] { src, b })
        {
            if (t.DspProductMinBits > 0) dsp += lanes;
            else lut += (long)Math.Round(lanes * input.OutType.Width * 16 * t.Lut[7]);
        }
        lut += (long)Math.Round(lanes * (op.SumBits + outBits) * t.Lut[6]) + 20;
        ff += (long)lanes * op.SumBits + 3L * lanes * outBits + 12;
        if (b.OutLanes != lanes)
        {
            // axis_dwc: a shift buffer of 2*MU + NU - 1 units of gcd(lanes) elements.
            int gcd = Gcd(b.OutLanes, lanes);
            long units = 2L * (b.OutLanes / gcd) + lanes / gcd - 1;
            ff += units * gcd * b.OutType.Width;
            lut += units * gcd * b.OutType.Width / 2 + 10;
        }
        long cycles = CycleModel.Of(g, n);
        return new ResourceEstimate(lut, ff, dsp, 0, cycles, cycles + 2);
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
}
