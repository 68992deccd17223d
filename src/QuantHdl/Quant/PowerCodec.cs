using QuantHdl.Ir;

namespace QuantHdl.Quant;

/// <summary>
/// POT and POST codes (integer-semantics §3): nearest level among 0 and ±2^(-j) or ±2^(-j/2),
/// j = 0..J, of w/alpha clamped to [-1, 1]. A tie goes to the larger magnitude.
/// </summary>
public sealed class PowerCodec
{
    private readonly WeightSpec _spec;
    private readonly float[] _levels;

    /// <summary>Precomputes the level magnitudes of a POT or POST spec.</summary>
    public PowerCodec(WeightSpec spec)
    {
        if (spec.Code == WeightCode.Uniform) throw new ArgumentException("PowerCodec takes pot or post specs, not uniform");
        _spec = spec;
        _levels = new float[spec.MaxExponent + 1];
        for (int j = 0; j < _levels.Length; j++)
            _levels[j] = (float)(spec.Code == WeightCode.Pot ? Math.Pow(2, -j) : Math.Pow(2, -j / 2.0));
    }

    /// <summary>Level magnitudes, index j (largest first).</summary>
    public ReadOnlySpan<float> Levels => _levels;

    /// <summary>The sign+index code of <paramref name="v"/> (already divided by alpha).</summary>
    public int Code(float v)
    {
        float m = Math.Min(MathF.Abs(v), 1f);
        int j = NearestIndex(m);
        if (j < 0) return 0;
        int e = j + 1;
        return v < 0 ? (1 << (_spec.Bits - 1)) | e : e;
    }

    /// <summary>The signed level a code stands for (±2^(-j) or ±2^(-j/2), or 0), in float32.</summary>
    public float Value(int code)
    {
        int e = WeightArithmetic.Index(code, _spec);
        if (e == 0) return 0f;
        return WeightArithmetic.IsNegative(code, _spec) ? -_levels[e - 1] : _levels[e - 1];
    }

    /// <summary>Quantized magnitude of m in [0, 1]: returns j, or -1 for zero.</summary>
    private int NearestIndex(float m)
    {
        // Levels fall monotonically; binary search for the first level below m.
        int lo = 0, hi = _levels.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (_levels[mid] > m) lo = mid + 1; else hi = mid;
        }
        // lo: first level <= m (or Length). Candidates: lo-1 (just above) and lo (just below, or zero).
        float below = lo < _levels.Length ? _levels[lo] : 0f;
        int belowIndex = lo < _levels.Length ? lo : -1;
        if (lo == 0) return 0;
        float above = _levels[lo - 1];
        return above - m <= m - below ? lo - 1 : belowIndex;
    }
}
