namespace QuantHdl.Arithmetic;

/// <summary>§5: the exact bound of a dense layer's accumulator from its actual weights.</summary>
public static class AccumulatorBound
{
    /// <summary>Bound_c = |B_c| + sum_i maxterm_ci for every channel c.</summary>
    public static long[] PerChannel(WeightMatrix d, IntType input)
    {
        long xMax = input.Max;
        var table = d.Weight.Code == WeightCode.Post ? WeightArithmetic.SqrtHalfTable(input.Width, d.SqrtFracBits) : null;
        var bounds = new long[d.Out];
        for (int c = 0; c < d.Out; c++)
        {
            long sum = Math.Abs(d.Bias[c]);
            for (int i = 0; i < d.In; i++)
            {
                long t = Math.Abs(WeightArithmetic.Term(d.Codes[c * d.In + i], xMax, d.Weight, d.SqrtFracBits, table));
                sum = checked(sum + t);
            }
            bounds[c] = sum;
        }
        return bounds;
    }

    /// <summary>The signed accumulator width the layer needs (§5).</summary>
    public static int RequiredBits(WeightMatrix d, IntType input) => IntType.SignedWidthFor(PerChannel(d, input).Max());
}
