namespace QuantHdl.Arithmetic;

/// <summary>
/// POT and POST codes (integer-semantics §3): the nearest level among 0 and ±2^(-j) (POT) or
/// ±2^(-j/2) (POST), j = 0..J, of w/alpha clamped to [-1, 1].
/// "Nearest" is decided by float32 midpoints between neighbouring levels; a value exactly on a
/// midpoint takes the larger magnitude. The fake-quant forward and the freezer both call this.
/// </summary>
public sealed class PowerCodec
{
    private readonly WeightSpec _spec;
    private readonly float[] _levels;
    private readonly float[] _mids;

    /// <summary>Precomputes the level magnitudes and midpoints of a POT or POST spec.</summary>
    public PowerCodec(WeightSpec spec)
    {
        if (spec.Code == WeightCode.Uniform) throw new ArgumentException("PowerCodec takes pot or post specs, not uniform");
        _spec = spec;
        int count = spec.MaxExponent + 1;
        _levels = new float[count];
        for (int j = 0; j < count; j++)
            _levels[j] = (float)(spec.Code == WeightCode.Pot ? Math.Pow(2, -j) : Math.Pow(2, -j / 2.0));
        _mids = new float[count];
        for (int j = 0; j < count; j++)
            _mids[j] = (_levels[j] + (j + 1 < count ? _levels[j + 1] : 0f)) * 0.5f;
    }

    /// <summary>The weight spec.</summary>
    public WeightSpec Spec => _spec;

    /// <summary>Level magnitudes, index j (largest first).</summary>
    public ReadOnlySpan<float> Levels => _levels;

    /// <summary>The exponent j of magnitude <paramref name="m"/>, or J+1 for zero: the number of midpoints above m.</summary>
    public int Exponent(float m)
    {
        int j = 0;
        while (j < _mids.Length && _mids[j] > m) j++;
        return j;
    }

    /// <summary>The sign+index code of <paramref name="v"/> (already divided by alpha).</summary>
    public int Code(float v)
    {
        int j = Exponent(MathF.Abs(v));
        if (j == _mids.Length) return 0;
        int e = j + 1;
        return v < 0 ? (1 << (_spec.Bits - 1)) | e : e;
    }

    /// <summary>The signed level of <paramref name="v"/>: ±level or 0.</summary>
    public float Quantize(float v)
    {
        int j = Exponent(MathF.Abs(v));
        if (j == _mids.Length) return 0f;
        return v < 0 ? -_levels[j] : _levels[j];
    }

    /// <summary>The signed level a code stands for (±2^(-j) or ±2^(-j/2), or 0), in float32.</summary>
    public float Value(int code)
    {
        int e = WeightArithmetic.Index(code, _spec);
        if (e == 0) return 0f;
        return WeightArithmetic.IsNegative(code, _spec) ? -_levels[e - 1] : _levels[e - 1];
    }
}
