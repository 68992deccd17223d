using System.Globalization;
using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Ir;

namespace QuantHdl.Hardware.Estimates;

/// <summary>
/// The estimator's cost of one MAC lane of a layer (docs/estimation.md "Cost of one MAC lane"): the LUTs and DSPs
/// of the layer's weight-times-activation terms (<see cref="MvuFeatures"/>: a LUT multiplier, a POT or a POST term,
/// or a constant term when the weights are folded in) divided by its SIMD x PE lanes. The adder tree, accumulators,
/// requantization, ROMs and the POST x/sqrt2 tables (one per input lane, shared by all PEs) are left out: they are
/// per-layer costs, not per-MAC. <see cref="Form"/> says which multiplier form the figure is.
/// </summary>
public sealed record MacLaneCost(double Luts, double Dsps, string Form)
{
    /// <summary>The cost of one MAC lane of node <paramref name="node"/> (a dense or conv layer) of <paramref name="g"/>, with its folding.</summary>
    public static MacLaneCost Of(IrGraph g, string node, FpgaFamily family)
    {
        ArgumentNullException.ThrowIfNull(g);
        var n = g.Nodes.SingleOrDefault(x => x.Name == node) ?? throw new ArgumentException($"node '{node}' is not in the graph");
        var d = n.Op switch
        {
            DenseOp x => x,
            ConvOp c => c.Mvu,
            _ => throw new ArgumentException($"node '{node}' is a {n.Op.GetType().Name}, not a dense or conv layer"),
        };
        var src = g.Nodes.Single(x => x.Name == n.Inputs[0]);
        var t = CostTable.For(family);
        int a = src.OutType.Width, wb = d.Weight.Bits;
        var f = MvuFeatures.Of(d, a, src.OutLanes, n.OutType.Width, t);
        double lanes = (double)d.Fold.Simd * d.Fold.Pe;
        var c0 = t.Lut;
        double luts = (f.MulPairs * c0[0] + f.PotPairs * c0[1] + f.PostPairs * c0[2] + f.ConstTermPairs * c0[10]) / lanes;
        // f.Dsp also holds the requant multipliers' (per unit, not per lane); a uniform product not in LUTs is one DSP.
        double dsps = d.Weight.Code == WeightCode.Uniform && f.MulPairs == 0 && f.ConstTermPairs == 0 ? 1 : 0;
        var inv = CultureInfo.InvariantCulture;
        string form = f.ConstTermPairs > 0 ? $"constant-weight term ({a}-bit x {wb}-bit, folded in)"
            : d.Weight.Code switch
            {
                WeightCode.Uniform when dsps > 0 => $"DSP multiplier ({a}-bit x {wb}-bit)",
                WeightCode.Uniform => $"LUT multiplier ({a}-bit x {wb}-bit)",
                WeightCode.Pot => string.Create(inv, $"POT shift-add ({(wb - 1)}-bit exponent, {f.PotPairs / lanes / (wb - 1):F0}-bit magnitude)"),
                WeightCode.Post => string.Create(inv, $"POST shift-add ({(wb - 1)}-bit exponent, {f.PostPairs / lanes / (wb - 1):F0}-bit magnitude; x/sqrt2 table shared per input lane)"),
            };
        return new MacLaneCost(luts, dsps, form);
    }
}
