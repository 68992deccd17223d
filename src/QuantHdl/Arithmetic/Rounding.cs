namespace QuantHdl.Arithmetic;

/// <summary>The one rounding rule of docs/integer-semantics.md §2: round half up, floor(v + 1/2).</summary>
public static class Rounding
{
    /// <summary>floor(v + 0.5) in float32, as the fake-quant forward computes it.</summary>
    public static float HalfUp(float v) => MathF.Floor(v + 0.5f);

    /// <summary>floor(v + 0.5) in double, for the freezer's biases and multipliers.</summary>
    public static double HalfUp(double v) => Math.Floor(v + 0.5);
}
