namespace QuantHdl.Engine.Nn;

/// <summary>Initial values shared by the layers.</summary>
internal static class Init
{
    /// <summary><paramref name="n"/> values ~ U(-bound, bound), drawn in order from <paramref name="rng"/>.</summary>
    public static float[] Uniform(Random rng, int n, double bound)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)((rng.NextDouble() * 2.0 - 1.0) * bound);
        return a;
    }
}
