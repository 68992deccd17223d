using QuantHdl.Arithmetic;

namespace QuantHdl.Ptq;

/// <summary>
/// Range setting (docs/ptq.md): the clipping threshold of each quantizer and the scale it gives.
/// Weights are symmetric signed: a uniform scale is clip / p with p = 2^(B-1) - 1, and a POT/POST alpha is
/// the clip itself. Activations after ReLU are unsigned: the step is clip / (2^B - 1). The logits, 16-bit
/// signed, take the clip whose quantized softmax is closest in cross-entropy to the unquantized one.
/// </summary>
public static class RangeSetting
{
    /// <summary>Grid points of the MSE search before its golden-section refinement.</summary>
    public const int GridPoints = 100;

    /// <summary>Values an activation range search looks at, at most (an even stride through the calibration outputs).</summary>
    public const int MaxActivationValues = 1 << 18;

    /// <summary>
    /// The clip in (0, <paramref name="max"/>] minimising <paramref name="error"/>: the best of
    /// <see cref="GridPoints"/> evenly spaced clips, then a golden-section search between its neighbours
    /// (the error is piecewise smooth, so the grid finds the basin and the section its bottom).
    /// </summary>
    public static double MseClip(Func<double, double> error, double max)
    {
        if (!(max > 0)) return max;
        int best = GridPoints;
        double bestErr = double.PositiveInfinity;
        for (int k = 1; k <= GridPoints; k++)
        {
            double e = error(max * k / GridPoints);
            if (e < bestErr) (best, bestErr) = (k, e);
        }
        double lo = max * (best - 1) / GridPoints, hi = max * Math.Min(best + 1, GridPoints) / GridPoints;
        double phi = (Math.Sqrt(5) - 1) / 2;
        double a = hi - phi * (hi - lo), b = lo + phi * (hi - lo);
        double ea = error(a), eb = error(b);
        for (int it = 0; it < 40; it++)
        {
            if (ea <= eb) { hi = b; b = a; eb = ea; a = hi - phi * (hi - lo); ea = error(a); }
            else { lo = a; a = b; ea = eb; b = lo + phi * (hi - lo); eb = error(b); }
        }
        double clip = ea <= eb ? a : b, clipErr = Math.Min(ea, eb);
        return clipErr < bestErr ? clip : max * best / GridPoints;
    }

    /// <summary>
    /// The weight level (in units of the scale) that round-to-nearest gives <paramref name="t"/> = w / scale:
    /// clamp(round-half-up(t), n, p) for uniform codes, the nearest POT/POST level of clamp(t, -1, 1) otherwise.
    /// The same rule the fake-quant forward and the freezer apply.
    /// </summary>
    public static float NearestLevel(float t, WeightSpec spec, PowerCodec? codec)
    {
        if (codec is not null) return codec.Quantize(t);
        var (n, p) = UniformCodec.SignedRange(spec.Bits);
        return Math.Clamp(Rounding.HalfUp(t), n, p);
    }

    /// <summary>The scale a clip gives: clip / p for uniform codes, alpha = clip for POT/POST.</summary>
    public static double ScaleOfClip(double clip, WeightSpec spec) =>
        spec.Code == WeightCode.Uniform ? clip / UniformCodec.SignedRange(spec.Bits).P : clip;

    /// <summary>
    /// Per output channel scales of weights [<paramref name="outs"/>, In] (a conv's rows are its
    /// C_in/G*K*K weights): the clip of each row (or, per tensor, of all weights, the same for every
    /// channel) by <paramref name="method"/>.
    /// </summary>
    public static float[] WeightScales(float[] w, int outs, WeightSpec spec, RangeMethod method, bool perChannel, double percentile)
    {
        int per = w.Length / outs;
        var codec = spec.Code == WeightCode.Uniform ? null : new PowerCodec(spec);
        var scales = new float[outs];
        if (!perChannel)
        {
            float s = (float)Math.Max(ScaleOfClip(Clip(w, spec, codec, method, percentile), spec), 1e-8);
            Array.Fill(scales, s);
            return scales;
        }
        for (int c = 0; c < outs; c++)
            scales[c] = (float)Math.Max(ScaleOfClip(Clip(w.AsSpan(c * per, per).ToArray(), spec, codec, method, percentile), spec), 1e-8);
        return scales;
    }

    /// <summary>The squared error of weights <paramref name="w"/> quantized at <paramref name="scale"/>.</summary>
    public static double WeightError(ReadOnlySpan<float> w, float scale, WeightSpec spec, PowerCodec? codec)
    {
        double e = 0;
        foreach (float v in w)
        {
            double d = v - (double)NearestLevel(v / scale, spec, codec) * scale;
            e += d * d;
        }
        return e;
    }

    private static double Clip(float[] w, WeightSpec spec, PowerCodec? codec, RangeMethod method, double percentile)
    {
        double max = 0;
        foreach (float v in w) max = Math.Max(max, Math.Abs(v));
        return method switch
        {
            RangeMethod.MinMax => max,
            RangeMethod.Percentile => PercentileOf(w, percentile),
            RangeMethod.Mse => MseClip(c => WeightError(w, (float)ScaleOfClip(c, spec), spec, codec), max),
        };
    }

    /// <summary>The <paramref name="percentile"/>-th percentile of |v|, linearly interpolated between order statistics.</summary>
    public static double PercentileOf(ReadOnlySpan<float> v, double percentile)
    {
        if (v.Length == 0) return 0;
        var mags = new float[v.Length];
        for (int i = 0; i < v.Length; i++) mags[i] = Math.Abs(v[i]);
        Array.Sort(mags);
        double pos = percentile / 100 * (mags.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, mags.Length - 1);
        return mags[lo] + (pos - lo) * (mags[hi] - mags[lo]);
    }

    /// <summary>The squared error of unsigned activations <paramref name="x"/> quantized at step <paramref name="step"/> to <paramref name="p"/> levels.</summary>
    public static double ActivationError(ReadOnlySpan<float> x, float step, int p)
    {
        double e = 0;
        foreach (float v in x)
        {
            double d = v - (double)Math.Clamp(Rounding.HalfUp(v / step), 0f, p) * step;
            e += d * d;
        }
        return e;
    }

    /// <summary>
    /// The step of an unsigned <paramref name="bits"/>-bit activation quantizer for the calibration
    /// outputs <paramref name="x"/> (after ReLU, or a pool's outputs), clip / (2^B - 1) with the clip by
    /// <paramref name="method"/>. At most <see cref="MaxActivationValues"/> values, evenly strided, enter a search.
    /// </summary>
    public static double ActivationStep(ReadOnlySpan<float> x, int bits, RangeMethod method, double percentile)
    {
        int p = (1 << bits) - 1;
        var sample = Strided(x, MaxActivationValues);
        double max = 0;
        foreach (float v in x) max = Math.Max(max, Math.Abs(v));
        double clip = method switch
        {
            RangeMethod.MinMax => max,
            RangeMethod.Percentile => PercentileOf(sample, percentile),
            RangeMethod.Mse => MseClip(c => ActivationError(sample, (float)(c / p), p), max),
        };
        return Math.Max(clip / p, 1e-6);
    }

    /// <summary>
    /// The step of the signed 16-bit logits by the cross-entropy criterion: of the clips k/50 of 2 max|z|
    /// (k = 1..50), the one whose quantized logits' softmax has the least cross-entropy against the
    /// unquantized softmax; on a tie (16-bit logits rarely lose anything once nothing clips) the widest,
    /// which leaves headroom for logits beyond the calibration set. Rows of <paramref name="classes"/> logits.
    /// </summary>
    public static double LogitStep(ReadOnlySpan<float> z, int classes)
    {
        double max = 0;
        foreach (float v in z) max = Math.Max(max, Math.Abs(v));
        if (!(max > 0)) return 1e-6 / 32767;
        int rows = z.Length / classes;
        var reference = new double[z.Length];
        for (int r = 0; r < rows; r++) Softmax(z.Slice(r * classes, classes), reference.AsSpan(r * classes, classes));
        double bestClip = 2 * max, bestCe = double.PositiveInfinity;
        var q = new float[classes];
        for (int k = 50; k >= 1; k--)
        {
            double clip = 2 * max * k / 50, step = clip / 32767;
            double ce = 0;
            for (int r = 0; r < rows; r++)
            {
                for (int j = 0; j < classes; j++) q[j] = (float)(Math.Clamp(Rounding.HalfUp(z[r * classes + j] / step), -32768, 32767) * step);
                ce += CrossEntropy(reference.AsSpan(r * classes, classes), q);
            }
            if (ce < bestCe - 1e-9 * Math.Abs(bestCe)) (bestClip, bestCe) = (clip, ce);
        }
        return bestClip / 32767;
    }

    private static void Softmax(ReadOnlySpan<float> z, Span<double> p)
    {
        double m = double.NegativeInfinity;
        foreach (float v in z) m = Math.Max(m, v);
        double sum = 0;
        for (int j = 0; j < z.Length; j++) sum += p[j] = Math.Exp(z[j] - m);
        for (int j = 0; j < z.Length; j++) p[j] /= sum;
    }

    private static double CrossEntropy(ReadOnlySpan<double> target, ReadOnlySpan<float> q)
    {
        double m = double.NegativeInfinity;
        foreach (float v in q) m = Math.Max(m, v);
        double sum = 0;
        foreach (float v in q) sum += Math.Exp(v - m);
        double lse = m + Math.Log(sum), ce = 0;
        for (int j = 0; j < q.Length; j++) ce -= target[j] * (q[j] - lse);
        return ce;
    }

    private static float[] Strided(ReadOnlySpan<float> x, int most)
    {
        if (x.Length <= most) return x.ToArray();
        var s = new float[most];
        double stride = (double)x.Length / most;
        for (int i = 0; i < most; i++) s[i] = x[(int)(i * stride)];
        return s;
    }
}
