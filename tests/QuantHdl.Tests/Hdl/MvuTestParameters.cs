using System.Globalization;
using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Ir;
using QuantHdl.Hardware;

namespace QuantHdl.Tests.Hdl;

/// <summary>
/// Integer parameters of hdl/mvu.v for a random layer: the sizes and arithmetic the test chose, and the derived
/// widths, depths and flags from <see cref="MvuLayout.Hardware"/>, the same source as the generated wrapper's.
/// SQRT_TABLE, LO and HI keep the block's defaults (a zero table and 0..255), which lint and synthesis statistics
/// do not depend on.
/// </summary>
internal static class MvuTestParameters
{
    public static Dictionary<string, string> Random(string spec, int inSize, int outSize, int simd, int pe, int actBits = 8, int outBits = 8)
    {
        var w = WeightSpec.Parse(spec);
        var rng = new Random(RandomLayers.Seed("mvu-params", spec, inSize, outSize, simd, pe, actBits, outBits));
        var d = RandomLayers.Dense(rng, "fc", inSize, outSize, w, IntType.U(actBits), IntType.U(outBits), 0, 255, new Folding(simd, pe));
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        var parameters = new Dictionary<string, string>
        {
            ["IN"] = I(inSize), ["OUT"] = I(outSize), ["SIMD"] = I(simd), ["PE"] = I(pe),
            ["A_BITS"] = I(actBits), ["W_BITS"] = I(w.Bits),
            ["WEIGHT_MODE"] = I(w.Code switch { WeightCode.Uniform => 0, WeightCode.Pot => 1, _ => 2 }),
            ["SQRT_FRAC_BITS"] = I(d.SqrtFracBits), ["ACC_BITS"] = I(d.AccBits), ["MB"] = I(d.Rq.MultiplierBits),
            ["OUT_BITS"] = I(outBits),
        };
        foreach (var (name, value) in new MvuLayout(d).Hardware(actBits, simd).VerilogParameters())
            parameters[name] = value;
        return parameters;
    }
}
