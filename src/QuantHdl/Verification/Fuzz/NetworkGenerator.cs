using System.Globalization;
using QuantHdl.Hardware;
using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Verification.Fuzz;

/// <summary>
/// Random small networks for differential fuzzing (docs/fuzzing.md): about half are 1 to 4 dense layers of 1 to 24
/// outputs, the other half (decided by the case seed, <see cref="IsCnn"/>) CNNs: a spatial input frame, 1 to 3
/// convs (any kernel, stride, padding and grouping, depthwise included), max pools and average pools (global
/// included), then 1 or 2 dense layers. Every matrix-vector unit, a dense layer's or a conv's, draws
/// uniform, POT or POST weights with bit widths drawn across and just beyond what
/// <see cref="WeightSpec.Parse"/> accepts; activation widths 1 to 16; any SqrtFracBits; every SIMD
/// dividing In and PE dividing Out; biases at the extremes the accumulator width allows; M0 and shifts
/// including 0, the largest M0 and the largest shift; inputs at the corners of the range plus random ones.
/// A draw the validators reject (<see cref="RtlValidator.Check"/>, or <see cref="WeightSpec.Parse"/>) is
/// not a failure: the generator draws again, so the supported ranges are whatever those checks say.
/// </summary>
public static class NetworkGenerator
{
    /// <summary>Input vectors per case: the four corner vectors and random ones.</summary>
    public const int Samples = 8;

    /// <summary>Draws before the generator gives up on a seed (every rejected draw uses a new sub-seed).</summary>
    public const int MaxAttempts = 1000;

    /// <summary>The magnitude budget, in bits, of one POT/POST term, so most draws fit a 64-bit requant product.</summary>
    private const int TermBudgetBits = 40;

    /// <summary>
    /// The largest initiation interval (<see cref="CycleModel"/>) of a drawn CNN, in cycles per frame: it keeps a
    /// case's two harness runs short and every layer well inside the deadlock window of <see cref="FuzzRunner"/>.
    /// </summary>
    public const int CycleBudget = 4096;

    /// <summary>The seed of network <paramref name="index"/> of a run with seed <paramref name="runSeed"/> (SplitMix64).</summary>
    public static ulong CaseSeed(ulong runSeed, long index) => SplitMix(runSeed + 0x9e3779b97f4a7c15UL * (ulong)(index + 1));

    /// <summary>
    /// The network of <paramref name="seed"/>: the first draw the validators accept.
    /// <paramref name="rejected"/> counts the draws they refused.
    /// </summary>
    public static FuzzCase Generate(ulong seed, out int rejected)
    {
        rejected = 0;
        bool cnn = IsCnn(seed);
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var rng = new Random((int)(SplitMix(seed ^ (ulong)attempt * 0xbf58476d1ce4e5b9UL) & 0x7fffffff));
            try
            {
                var c = cnn ? DrawCnn(rng, seed) : Draw(rng, seed);
                RtlValidator.Check(c.Graph);
                return c;
            }
            catch (Exception e) when (e is IrException or ArithmeticLimitException or ArgumentException)
            {
                rejected++;
            }
        }
        throw new InvalidOperationException($"fuzz seed {seed}: the validators rejected {MaxAttempts} draws in a row; the generator no longer fits the supported ranges");
    }

    /// <summary>
    /// Whether the network of <paramref name="seed"/> is a CNN (about half are): fixed by the seed alone, so
    /// every redraw of a rejected draw keeps the kind, and a dense seed draws the same dense network it always did.
    /// </summary>
    public static bool IsCnn(ulong seed) => (SplitMix(seed ^ 0xc2b2ae3d27d4eb4fUL) & 1) == 1;

    private static FuzzCase Draw(Random rng, ulong seed)
    {
        int layers = rng.Next(10) switch { < 3 => 1, < 7 => 2, < 9 => 3, _ => 4 };
        var inType = IntType.U(ActivationBits(rng));
        int inSize = rng.Next(1, 25);
        int inLanes = Divisor(rng, inSize);
        var nodes = new List<IrNode> { new("x", [], new InputOp(), inType, inSize, inLanes, 1.0) };
        for (int l = 1; l <= layers; l++)
        {
            var src = nodes[^1];
            bool last = l == layers;
            var outType = last ? IntType.S(rng.Next(2, 33)) : IntType.U(ActivationBits(rng));
            nodes.Add(Dense(rng, $"fc{l}", src, rng.Next(1, 25), outType));
        }
        var graph = new IrGraph($"fuzz_{seed.ToString("x16", CultureInfo.InvariantCulture)}", [.. nodes]) { Output = nodes[^1].Name, Classes = nodes[^1].OutSize };
        return new FuzzCase(seed, graph, Inputs(rng, inSize, inType));
    }

    private static IrNode Dense(Random rng, string name, IrNode src, int outSize, IntType outType)
    {
        int inSize = src.OutSize;
        var d = Mvu(rng, name, src.OutType, inSize, outSize, outType, r => new Folding(Divisor(r, inSize), Divisor(r, outSize)), coupled: null);
        return new IrNode(name, [src.Name], d, outType, outSize, d.Fold.Pe, 1.0);
    }

    /// <summary>
    /// A conv over <paramref name="src"/>'s frame: kernel 1 to 5 that fits the padded frame, padding 0 to K-1,
    /// stride 1 to 3, and a grouping dividing both channel counts (a quarter of the draws depthwise, one or two
    /// outputs per input channel). Its matrix-vector unit is drawn like a dense layer's over one window, with
    /// code 0 outside each group; SIMD divides the input channels (a window beat holds one pixel's channels).
    /// </summary>
    private static IrNode Conv(Random rng, string name, IrNode src, IntType outType)
    {
        var s = EdgeShape.Of(src);
        int k = rng.Next(1, 6);
        // K <= min(H, W) + 2P: the smallest padding that fits, or any up to K-1.
        int minPad = Math.Max(0, (k - Math.Min(s.H, s.W) + 1) / 2);
        int pad = rng.Next(2) == 0 ? minPad : rng.Next(minPad, k);
        int stride = rng.Next(1, 4);
        int outC, groups;
        if (rng.Next(4) == 0)
        {
            groups = s.C;
            outC = s.C * rng.Next(1, 3);
        }
        else
        {
            outC = rng.Next(1, 7);
            groups = Divisor(rng, Gcd(s.C, outC));
        }
        // ConvOp.InGroup before the op exists (it needs the MVU); ConvRule rejects any weight this lets through wrongly.
        int inPerGroup = s.C / groups, outPerGroup = outC / groups;
        var d = Mvu(rng, name, src.OutType, k * k * s.C, outC, outType, r => new Folding(Divisor(r, s.C), Divisor(r, outC)),
            coupled: (o, i) => i % s.C / inPerGroup == o / outPerGroup);
        var op = new ConvOp(s.H, s.W, s.C, k, stride, pad, groups, d);
        return new IrNode(name, [src.Name], op, outType, op.OutH * op.OutW * outC, d.Fold.Pe, 1.0);
    }

    /// <summary>A max pool of window 2 to min(H, W): the codes and the beats keep their type and lanes.</summary>
    private static IrNode MaxPool(Random rng, string name, IrNode src)
    {
        var s = EdgeShape.Of(src);
        int k = rng.Next(2, Math.Min(s.H, s.W) + 1);
        return new IrNode(name, [src.Name], new MaxPoolOp(s.H, s.W, s.C, k), src.OutType, s.H / k * (s.W / k) * s.C, src.OutLanes, 1.0);
    }

    /// <summary>
    /// An average pool, global in a third of the draws, else any window of at least 2 pixels; the sum width is the
    /// one the window needs plus 0 to 2 bits, and the multiplier and shift are drawn like a dense channel's.
    /// </summary>
    private static IrNode AvgPool(Random rng, string name, IrNode src, IntType outType)
    {
        var s = EdgeShape.Of(src);
        int kh = s.H, kw = s.W;
        if (rng.Next(3) > 0)
        {
            kh = rng.Next(1, s.H + 1);
            kw = rng.Next(1, s.W + 1);
            if (kh * kw < 2) (kh, kw) = (s.H, s.W);
        }
        long maxSum = (long)kh * kw * src.OutType.Max;
        int sumBits = BitLength(maxSum) + rng.Next(0, 3);
        // The product of the (SumBits + 1)-bit signed sum and M0, plus the rounding bit, fits 64 bits (§5).
        int mb = rng.Next(DeploymentSettings.MinMultiplierBits, Math.Min(DeploymentSettings.MaxMultiplierBits, RequantMath.MaxProductBits - 2 - sumBits) + 1);
        var (m0, shift) = Multiplier(rng, mb, Math.Min(RequantMath.MaxShift, sumBits + 1 + mb), BitLength(maxSum) + 1, outType.Width);
        var op = new AvgPoolOp(s.H, s.W, s.C, kh, kw, m0, shift, mb, sumBits);
        return new IrNode(name, [src.Name], op, outType, s.H / kh * (s.W / kw) * s.C, src.OutLanes, 1.0);
    }

    /// <summary>
    /// A CNN: an H x W x C input frame (H, W 1 to 10, C 1 to 4, lanes dividing C), 1 to 3 spatial layers (a conv
    /// half the time, else a max or an average pool where the frame allows one), then 1 or 2 dense layers ending in
    /// the signed logits. A draw above <see cref="CycleBudget"/> is rejected like one the validators refuse.
    /// </summary>
    private static FuzzCase DrawCnn(Random rng, ulong seed)
    {
        int h = rng.Next(1, 11), w = rng.Next(1, 11), c = rng.Next(1, 5);
        var inType = IntType.U(ActivationBits(rng));
        int inLanes = Divisor(rng, c);
        var x = new IrNode("x", [], new InputOp(h, w), inType, h * w * c, inLanes, 1.0);
        var nodes = new List<IrNode> { x };
        int spatial = rng.Next(1, 4);
        for (int l = 1; l <= spatial; l++)
        {
            var src = nodes[^1];
            var s = EdgeShape.Of(src);
            int kind = rng.Next(4);
            if (kind == 2 && Math.Min(s.H, s.W) < 2) kind = 0;
            if (kind == 3 && s.H * s.W < 2) kind = 0;
            nodes.Add(kind switch
            {
                2 => MaxPool(rng, $"pool{l}", src),
                3 => AvgPool(rng, $"gap{l}", src, IntType.U(ActivationBits(rng))),
                _ => Conv(rng, $"conv{l}", src, IntType.U(ActivationBits(rng))),
            });
        }
        int dense = rng.Next(1, 3);
        for (int l = 1; l <= dense; l++)
        {
            var outType = l == dense ? IntType.S(rng.Next(2, 33)) : IntType.U(ActivationBits(rng));
            nodes.Add(Dense(rng, $"fc{l}", nodes[^1], rng.Next(1, 25), outType));
        }
        var graph = new IrGraph($"fuzz_{seed.ToString("x16", CultureInfo.InvariantCulture)}", [.. nodes]) { Output = nodes[^1].Name, Classes = nodes[^1].OutSize };
        var (cycles, slowest) = CycleModel.InitiationInterval(graph);
        if (cycles > CycleBudget) throw new IrException($"layer {slowest}: {cycles} cycles per frame, above the fuzz budget of {CycleBudget}");
        return new FuzzCase(seed, graph, Inputs(rng, h * w * c, inType));
    }

    /// <summary>
    /// The matrix-vector unit of a dense layer or a conv: weights of a random code and width (zero where
    /// <paramref name="coupled"/> says an output does not read an input), the folding <paramref name="fold"/> draws,
    /// biases at the extremes the accumulator width allows, and a per-channel requantization onto <paramref name="outType"/>.
    /// </summary>
    private static DenseOp Mvu(Random rng, string name, IntType a, int inSize, int outSize, IntType outType, Func<Random, Folding> fold,
        Func<int, int, bool>? coupled)
    {
        string kind = rng.Next(3) switch { 0 => "uniform", 1 => "pot", _ => "post" };
        // One bit beyond each end of the widths the IR has ever accepted: Parse decides.
        var w = WeightSpec.Parse($"{kind}:{rng.Next(1, 18).ToString(CultureInfo.InvariantCulture)}");
        int frac = w.Code == WeightCode.Post ? rng.Next(DeploymentSettings.MinSqrtFracBits, DeploymentSettings.MaxSqrtFracBits + 1) : rng.Next(0, 9);
        var weights = Weights(rng, w, a, inSize, outSize, frac);
        if (coupled is not null)
            for (int o = 0; o < outSize; o++)
                for (int i = 0; i < inSize; i++)
                    if (!coupled(o, i)) weights[o * inSize + i] = 0;
        var f = fold(rng);

        // Bias: the accumulator is as wide as the terms need (plus 0-2 bits); biases sit at 0, at the
        // largest magnitude that width leaves, or anywhere between.
        var zeroBias = new long[outSize];
        var probe = new DenseOp(inSize, outSize, w, frac, weights, zeroBias, new Requant(new long[outSize], Ones(outSize), 0, 0, 1), 64, f);
        var terms = AccumulatorBound.PerChannel(probe.Matrix, a);
        int width = IntType.SignedWidthFor(terms.Max()) + rng.Next(0, 3);
        if (width > 62) throw new IrException($"layer {name}: a {width}-bit accumulator leaves no room for requantization");
        long top = (1L << (width - 1)) - 1;
        var bias = new long[outSize];
        for (int c = 0; c < outSize; c++)
        {
            long room = Math.Max(0, top - terms[c]);
            long sign = rng.Next(2) == 0 ? 1 : -1;
            bias[c] = rng.Next(4) switch { 0 => 0, 1 => sign * room, _ => sign * rng.NextInt64(0, room + 1) };
        }
        var d = probe with { Bias = bias };
        int accBits = AccumulatorBound.RequiredBits(d.Matrix, a);
        if (rng.Next(3) == 0) accBits += rng.Next(1, 4);

        // Requant: M0 of 1..32 bits within the 64-bit product; shifts around the one that maps the
        // accumulator range onto the output range, plus the extremes.
        int mb = rng.Next(DeploymentSettings.MinMultiplierBits, Math.Min(DeploymentSettings.MaxMultiplierBits, 63 - accBits) + 1);
        if (mb < 1) throw new IrException($"layer {name}: no multiplier width fits a {accBits}-bit accumulator");
        var (lo, hi) = ClampRange(rng, outType);
        int maxShift = Math.Min(RequantMath.MaxShift, accBits + mb);
        var m0 = new long[outSize];
        var k = new int[outSize];
        int outBits = BitLength(Math.Max(1, Math.Max(Math.Abs(lo), Math.Abs(hi))));
        for (int c = 0; c < outSize; c++)
            (m0[c], k[c]) = Multiplier(rng, mb, maxShift, IntType.SignedWidthFor(Math.Max(1, terms[c] + Math.Abs(bias[c]))), outBits);
        return d with { AccBits = accBits, Rq = new Requant(m0, k, lo, hi, mb) };
    }

    /// <summary>
    /// One channel's multiplier and shift: M0 of 0, 1, 2^MB - 1 or random; the shift 1, the largest, or the one
    /// that maps a value of <paramref name="boundBits"/> bits times M0 onto <paramref name="outBits"/> bits, ±3.
    /// </summary>
    private static (long M0, int Shift) Multiplier(Random rng, int mb, int maxShift, int boundBits, int outBits)
    {
        long m0 = rng.Next(6) switch { 0 => 0, 1 => (1L << mb) - 1, 2 => 1, _ => rng.NextInt64(1, 1L << mb) };
        int productBits = boundBits + BitLength(Math.Max(1, m0));
        int k = rng.Next(6) switch
        {
            0 => 1,
            1 => maxShift,
            _ => Math.Clamp(productBits - outBits + rng.Next(-3, 4), 1, maxShift),
        };
        return (m0, k);
    }

    /// <summary>
    /// Random codes: for POT and POST only the exponents whose terms fit the magnitude budget (the
    /// widest codes have exponents whose terms no accumulator holds); sometimes all at the largest magnitude.
    /// </summary>
    private static int[] Weights(Random rng, WeightSpec w, IntType a, int inSize, int outSize, int frac)
    {
        var codes = new int[inSize * outSize];
        int style = rng.Next(5); // 0: all largest magnitude, 1: sparse, else random
        int logIn = 64 - (int)long.LeadingZeroCount((long)inSize);
        if (w.Code == WeightCode.Uniform)
        {
            int min = -(1 << (w.Bits - 1)), max = (1 << (w.Bits - 1)) - 1;
            for (int i = 0; i < codes.Length; i++)
                codes[i] = style == 0 ? (rng.Next(2) == 0 ? min : max) : style == 1 && rng.Next(3) > 0 ? 0 : rng.Next(min, max + 1);
            return codes;
        }
        int maxE = w.MaxExponent;
        // Term shift is maxE - (e-1) (POT) or maxE/2 - (e-1)/2 on an (a + frac)-bit lane (POST).
        int allowed = TermBudgetBits - a.Width - logIn - (w.Code == WeightCode.Post ? frac : 0);
        if (allowed < 0) throw new IrException($"{w} terms on {a} activations exceed the fuzz magnitude budget");
        int lowest = w.Code == WeightCode.Pot ? maxE - allowed + 1 : 2 * (maxE / 2 - allowed) + 1;
        int eMin = Math.Max(1, lowest), eMax = maxE + 1;
        for (int i = 0; i < codes.Length; i++)
        {
            int e = style == 0 ? eMin : style == 1 && rng.Next(3) > 0 ? 0 : rng.Next(4) == 0 ? 0 : rng.Next(eMin, eMax + 1);
            int sign = e == 0 ? 0 : rng.Next(2);
            codes[i] = (sign << (w.Bits - 1)) | e;
        }
        return codes;
    }

    private static (long Lo, long Hi) ClampRange(Random rng, IntType t)
    {
        if (rng.Next(3) > 0) return (t.Min, t.Max);
        long x = rng.NextInt64(t.Min, t.Max + 1 == long.MinValue ? long.MaxValue : t.Max + 1);
        long y = rng.NextInt64(t.Min, t.Max + 1 == long.MinValue ? long.MaxValue : t.Max + 1);
        return (Math.Min(x, y), Math.Max(x, y));
    }

    private static long[][] Inputs(Random rng, int size, IntType t)
    {
        var xs = new long[Samples][];
        for (int n = 0; n < Samples; n++)
        {
            xs[n] = new long[size];
            for (int i = 0; i < size; i++)
                xs[n][i] = n switch
                {
                    0 => 0,
                    1 => t.Max,
                    2 => i % 2 == 0 ? 0 : t.Max,
                    3 => i % 2 == 0 ? t.Max : 0,
                    _ => rng.NextInt64(0, t.Max + 1),
                };
        }
        return xs;
    }

    private static int ActivationBits(Random rng) => rng.Next(2) == 0 ? rng.Next(1, 9) : rng.Next(1, 17);

    private static int Divisor(Random rng, int n)
    {
        var ds = Enumerable.Range(1, n).Where(d => n % d == 0).ToArray();
        return ds[rng.Next(ds.Length)];
    }

    private static int[] Ones(int n) => Enumerable.Repeat(1, n).ToArray();

    private static int BitLength(long v) => 64 - (int)long.LeadingZeroCount(v);

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);

    private static ulong SplitMix(ulong z)
    {
        z += 0x9e3779b97f4a7c15UL;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
        return z ^ (z >> 31);
    }
}
