using QuantHdl.Engine.Tensors;
using QuantHdl.Arithmetic;

namespace QuantHdl.Quantization;

/// <summary>
/// integer-semantics §4: the bias on the accumulator grid, b_q = round(b / unit_c) * unit_c with
/// unit_c = scale_c * s_x * 2^-UnitShift, and a straight-through gradient, so training sees the
/// integer bias the hardware adds.
/// </summary>
public static class BiasGrid
{
    /// <summary>The fake-quantized bias for a layer whose input step is <paramref name="inputStep"/>.</summary>
    public static Tensor Quantize(Tensor bias, WeightQuantizer quantizer, double inputStep, int sqrtFracBits)
    {
        var unitFactor = inputStep * Math.Pow(2, -WeightArithmetic.UnitShift(quantizer.Spec, sqrtFracBits));
        var scale = quantizer.Scale.Data;
        var q = Tensor.RentBuffer(bias.Numel);
        for (int c = 0; c < q.Length; c++)
        {
            double unit = scale[c] * unitFactor;
            q[c] = (float)(Rounding.HalfUp(bias.Data[c] / unit) * unit);
        }
        return Tensor.FromOp(bias.Shape, q, [bias], result =>
        {
            var g = result.Grad!;
            var gb = bias.EnsureGrad();
            for (int c = 0; c < g.Length; c++) gb[c] += g[c];
        });
    }
}
