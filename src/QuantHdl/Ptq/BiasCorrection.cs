using QuantHdl.Engine.Tensors;

namespace QuantHdl.Ptq;

/// <summary>
/// Empirical bias correction (docs/ptq.md): quantizing W to W_q shifts a layer's expected output by
/// E[(W_q - W) x]; subtracting that shift from the bias gives the quantized layer the float layer's
/// expected output. The expectation is over the calibration inputs x~ the quantized network gives the
/// layer (and, for a conv, over its output positions, so that padding is taken into account).
/// </summary>
public static class BiasCorrection
{
    /// <summary>
    /// E[layer(x~, W_q) - layer(x~, W)] per output channel, where <paramref name="layer"/> maps (input,
    /// weights, bias) to the pre-activation [N, Out] or [N, Out, H, W]; <paramref name="shape"/> is the weights' shape.
    /// </summary>
    public static double[] ExpectedShift(Func<Tensor, Tensor, Tensor, Tensor> layer, Tensor xq, float[] quantized, float[] original, int[] shape, int outs)
    {
        using var ng = Tensor.NoGrad();
        var zero = Tensor.Zeros(outs);
        var yq = layer(xq, Tensor.FromArray(quantized, shape), zero);
        var yw = layer(xq, Tensor.FromArray(original, shape), zero);
        int n = yq.Dim(0), hw = yq.Numel / (n * outs);
        var shift = new double[outs];
        for (int c = 0; c < outs; c++)
        {
            double sum = 0;
            for (int s = 0; s < n; s++)
                for (int t = 0; t < hw; t++) sum += yq.Data[(s * outs + c) * hw + t] - yw.Data[(s * outs + c) * hw + t];
            shift[c] = sum / ((double)n * hw);
        }
        return shift;
    }

    /// <summary>b -= <see cref="ExpectedShift"/>.</summary>
    public static void Apply(float[] bias, double[] shift)
    {
        for (int c = 0; c < bias.Length; c++) bias[c] = (float)(bias[c] - shift[c]);
    }
}
