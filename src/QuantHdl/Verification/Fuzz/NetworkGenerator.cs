using System.Globalization;
using QuantHdl.Hardware;
using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Verification.Fuzz;

/// <summary>
/// Random small networks for differential fuzzing (docs/fuzzing.md): 1 to 4 dense layers of 1 to 24
/// outputs; uniform, POT or POST weights with bit widths drawn across and just beyond what
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

    /// <summary>The seed of network <paramref name="index"/> of a run with seed <paramref name="runSeed"/> (SplitMix64).</summary>
    public static ulong CaseSeed(ulong runSeed, long index) => SplitMix(runSeed + 0x9e3779b97f4a7c15UL * (ulong)(index + 1));

    /// <summary>
    /// The network of <paramref name="seed"/>: the first draw the validators accept.
    /// <paramref name="rejected"/> counts the draws they refused.
    /// </summary>
    public static FuzzCase Generate(ulong seed, out int rejected)
    {
        rejected = 0;
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var rng = new Random((int)(SplitMix(seed ^ (ulong)attempt * 0xbf58476d1ce4e5b9UL) & 0x7fffffff));
            try
            {
                var c = Draw(rng, seed);
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

    private static FuzzCase Draw(Random rng, ulong seed)
    {
        int layers = rng.Next(10) switch { < 3 => 1, < 7 => 2, < 9 => 3, _ => 4 };
        var inType = IntType.U(ActivationBits(rng));
        int inSize = rng.Next(1, 25);
        int inLanes = Divisor(rng, inSize);
        var nodes = new List<IrNode> { new("x", [], new InputOp(inSize, inType, 1.0, inLanes), inType, inSize, inLanes, 1.0) };
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
        var a = src.OutType;
        string kind = rng.Next(3) switch { 0 => "uniform", 1 => "pot", _ => "post" };
        // One bit beyond each end of the widths the IR has ever accepted: Parse decides.
        var w = WeightSpec.Parse($"{kind}:{rng.Next(1, 18).ToString(CultureInfo.InvariantCulture)}");
        int frac = w.Code == WeightCode.Post ? rng.Next(DeploymentSettings.MinSqrtFracBits, DeploymentSettings.MaxSqrtFracBits + 1) : rng.Next(0, 9);
        var weights = Weights(rng, w, a, inSize, outSize, frac);
        var fold = new Folding(Divisor(rng, inSize), Divisor(rng, outSize));

        // Bias: the accumulator is as wide as the terms need (plus 0-2 bits); biases sit at 0, at the
        // largest magnitude that width leaves, or anywhere between.
        var zeroBias = new long[outSize];
        var probe = new DenseOp(inSize, outSize, w, frac, weights, zeroBias, new Requant(new long[outSize], Ones(outSize), 0, 0, 1), 64, fold);
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
        int outBits = 64 - (int)long.LeadingZeroCount(Math.Max(1, Math.Max(Math.Abs(lo), Math.Abs(hi))));
        for (int c = 0; c < outSize; c++)
        {
            m0[c] = rng.Next(6) switch { 0 => 0, 1 => (1L << mb) - 1, 2 => 1, _ => rng.NextInt64(1, 1L << mb) };
            int productBits = IntType.SignedWidthFor(Math.Max(1, terms[c] + Math.Abs(bias[c]))) + (64 - (int)long.LeadingZeroCount(Math.Max(1, m0[c])));
            k[c] = rng.Next(6) switch
            {
                0 => 1,
                1 => maxShift,
                _ => Math.Clamp(productBits - outBits + rng.Next(-3, 4), 1, maxShift),
            };
        }
        d = d with { AccBits = accBits, Rq = new Requant(m0, k, lo, hi, mb) };
        return new IrNode(name, [src.Name], d, outType, outSize, fold.Pe, 1.0);
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

    private static ulong SplitMix(ulong z)
    {
        z += 0x9e3779b97f4a7c15UL;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
        return z ^ (z >> 31);
    }
}
