using System.Numerics;
using CsCheck;
using QuantHdl.Golden;
using QuantHdl.Golden.Kernels;
using QuantHdl.Compiler.Ir;
using QuantHdl.Tests.Reference;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Properties;

/// <summary>
/// Property tests (CsCheck) of the integer-semantics core against the BigInteger reference, which is
/// written from docs/integer-semantics.md and shares no code with it: requantization, the x/sqrt 2
/// table, the weight codes and their terms, the accumulator bound and the capacity rule of §5.
/// </summary>
public class IntegerSemanticsProperties
{
    private const int Iter = 3000;

    private static readonly Gen<WeightSpec> Spec = Gen.OneOf(
        Gen.Int[WeightSpec.MinBits(WeightCode.Uniform), WeightSpec.MaxBits(WeightCode.Uniform)].Select(b => new WeightSpec(WeightCode.Uniform, b)),
        Gen.Int[WeightSpec.MinBits(WeightCode.Pot), WeightSpec.MaxBits(WeightCode.Pot)].Select(b => new WeightSpec(WeightCode.Pot, b)),
        Gen.Int[WeightSpec.MinBits(WeightCode.Post), WeightSpec.MaxBits(WeightCode.Post)].Select(b => new WeightSpec(WeightCode.Post, b)));

    /// <summary>Any valid code of a spec, written from §3: uniform in [-2^(b-1), 2^(b-1)-1]; POT/POST sign and index, never -0.</summary>
    private static Gen<int> Code(WeightSpec w) => w.Code == WeightCode.Uniform
        ? Gen.Int[-(1 << (w.Bits - 1)), (1 << (w.Bits - 1)) - 1]
        : Gen.Int[0, (1 << w.Bits) - 1].Select(c => c == 1 << (w.Bits - 1) ? 0 : c);

    [Fact]
    public void RequantEqualsTheReference()
    {
        Gen.Select(Gen.Int[2, 47], Gen.Int[1, 32], Gen.Int[1, RequantMath.MaxShift])
            .SelectMany(t => Gen.Select(Gen.Long[-(1L << (t.Item1 - 1)), (1L << (t.Item1 - 1)) - 1], Gen.Long[0, (1L << t.Item2) - 1], Gen.Long[-40000, 40000], Gen.Long[0, 40000])
                .Select(u => (Acc: u.Item1, M0: u.Item2, K: t.Item3, Lo: u.Item3, Hi: u.Item3 + u.Item4, Bits: t.Item1 + t.Item2 + 1)))
            .Where(c => c.Bits <= 64)
            .Sample(c => Assert.Equal((long)IntegerReference.Requant(c.Acc, c.M0, c.K, c.Lo, c.Hi), RequantMath.Apply(c.Acc, c.M0, c.K, c.Lo, c.Hi)),
                iter: Iter, threads: 1);
    }

    [Fact]
    public void RShiftRoundIsFloorOfHalfUp()
    {
        Gen.Select(Gen.Long[-(1L << 61), 1L << 61], Gen.Int[1, 61])
            .Sample(t => Assert.Equal((long)IntegerReference.RShiftRound(t.Item1, t.Item2), RequantMath.RShiftRound(t.Item1, t.Item2)), iter: Iter, threads: 1);
    }

    [Fact]
    public void ChooseGivesTheLargestShiftWhoseRoundedMultiplierFits()
    {
        // §4: k is the largest value <= 62 with round(M * 2^k) < 2^MB, and M0 = round(M * 2^k), both exact in rationals.
        Gen.Select(Gen.Double[1e-15, 3000], Gen.Int[2, 24]).Sample(t =>
        {
            var (m, mb) = t;
            (BigInteger Num, BigInteger Den) exact = Rational(m);
            BigInteger RoundScaled(int k) => IntegerReference.FloorDiv(exact.Num * BigInteger.Pow(2, k + 1) + exact.Den, 2 * exact.Den);
            int expectedK = Enumerable.Range(1, RequantMath.MaxShift).Reverse().FirstOrDefault(k => RoundScaled(k) < BigInteger.Pow(2, mb));
            if (expectedK == 0)
            {
                Assert.Throws<ArithmeticLimitException>(() => RequantMath.Choose(m, mb, "fc"));
                return;
            }
            var (m0, kk) = RequantMath.Choose(m, mb, "fc");
            Assert.Equal(expectedK, kk);
            Assert.Equal(RoundScaled(expectedK), (BigInteger)m0);
        }, iter: Iter, threads: 1);
    }

    private static (BigInteger, BigInteger) Rational(double d)
    {
        long bits = BitConverter.DoubleToInt64Bits(d);
        int exp = (int)((bits >> 52) & 0x7FF);
        long mant = bits & 0xFFFFFFFFFFFFFL;
        if (exp == 0) exp = 1; else mant |= 1L << 52;
        int e = exp - 1075;
        return e >= 0 ? (new BigInteger(mant) << e, BigInteger.One) : (new BigInteger(mant), BigInteger.One << -e);
    }

    [Fact]
    public void SqrtHalfIsTheNearestIntegerToXTimes2PowFOverRoot2()
    {
        Gen.Select(Gen.Long[0, (1L << 16) - 1], Gen.Int[DeploymentSettings.MinSqrtFracBits, DeploymentSettings.MaxSqrtFracBits])
            .Sample(t => Assert.Equal(IntegerReference.SqrtHalf(t.Item1, t.Item2), (BigInteger)WeightArithmetic.SqrtHalf(t.Item1, t.Item2)), iter: Iter, threads: 1);
    }

    [Fact]
    public void TheSqrtTableHoldsEveryEntry()
    {
        Gen.Select(Gen.Int[1, 10], Gen.Int[1, 24]).Sample(t =>
        {
            var table = WeightArithmetic.SqrtHalfTable(t.Item1, t.Item2);
            Assert.Equal(1 << t.Item1, table.Length);
            for (int x = 0; x < table.Length; x++) Assert.Equal(IntegerReference.SqrtHalf(x, t.Item2), (BigInteger)table[x]);
        }, iter: 60, threads: 1);
    }

    [Fact]
    public void EveryTermOfASupportedLayerEqualsTheReference()
    {
        // Activations as wide as the capacity rule lets a one-input layer of this code have (§5).
        Gen.Select(Spec, Gen.Int[1, 16], Gen.Int[1, 12])
            .Where(t => DenseCapacity.Refusal(t.Item1, 1, t.Item2, t.Item3, 16) is null)
            .SelectMany(t => Gen.Select(Code(t.Item1), Gen.Long[0, (1L << t.Item2) - 1]).Select(u => (W: t.Item1, F: t.Item3, Code: u.Item1, X: u.Item2)))
            .Sample(c =>
            {
                var expected = IntegerReference.Term(c.Code, c.X, c.W.Code, c.W.Bits, c.F);
                Assert.Equal(expected, (BigInteger)WeightArithmetic.Term(c.Code, c.X, c.W, c.F, null));
                // §3 real value: the term is x times the code's value in accumulator units (POST up to R_F's rounding).
                double real = WeightArithmetic.CodeValue(c.Code, c.W) * c.X * Math.Pow(2, WeightArithmetic.UnitShift(c.W, c.F));
                double slack = c.W.Code == WeightCode.Post ? 0.5 * Math.Pow(2, c.W.MaxExponent / 2) : 0;
                Assert.InRange((double)expected - real, -slack - 1e-9 * Math.Abs(real) - 1e-9, slack + 1e-9 * Math.Abs(real) + 1e-9);
            }, iter: Iter, threads: 1);
    }

    [Fact]
    public void ValidCodesAreExactlyThoseOfTheDoc()
    {
        Gen.Select(Spec, Gen.Int[-70000, 70000]).Sample(t =>
        {
            var (w, code) = t;
            int half = 1 << (w.Bits - 1);
            bool expected = w.Code == WeightCode.Uniform
                ? code >= -half && code < half
                : code >= 0 && code < 2 * half && code != half;
            Assert.Equal(expected, WeightArithmetic.IsValidCode(code, w));
        }, iter: Iter, threads: 1);
    }

    [Fact]
    public void CodeValuesAreTheLevelsOfTheDoc()
    {
        Spec.SelectMany(w => Code(w).Select(c => (W: w, Code: c))).Sample(t =>
        {
            int half = 1 << (t.W.Bits - 1);
            int e = t.Code % half;
            double sign = t.Code >= half ? -1 : 1;
            double expected = t.W.Code switch
            {
                WeightCode.Uniform => t.Code,
                WeightCode.Pot => e == 0 ? 0 : sign / Math.Pow(2, e - 1),
                _ => e == 0 ? 0 : sign / Math.Pow(Math.Sqrt(2), e - 1),
            };
            Assert.Equal(expected, WeightArithmetic.CodeValue(t.Code, t.W), 12);
        }, iter: Iter, threads: 1);
    }

    private static readonly Gen<(DenseOp Op, IntType In)> Layer =
        Gen.Select(Spec, Gen.Int[1, 8], Gen.Int[1, 12], Gen.Int[1, 10], Gen.Int[1, 5])
            .Where(t => DenseCapacity.Refusal(t.Item1, t.Item4, t.Item2, t.Item3, 16) is null)
            .SelectMany(t => Gen.Select(Code(t.Item1).Array[t.Item4 * t.Item5], Gen.Long[-(1L << 30), 1L << 30].Array[t.Item5])
                .Select(u => (new DenseOp(t.Item4, t.Item5, t.Item1, t.Item3, u.Item1, u.Item2,
                    new Requant(new long[t.Item5], Enumerable.Repeat(1, t.Item5).ToArray(), 0, 1, 16), 0, new Folding(1, 1)), IntType.U(t.Item2))));

    [Fact]
    public void TheBoundIsTheBiasPlusTheLargestTermsAndIsReached()
    {
        Layer.Sample(t =>
        {
            var (d, inType) = t;
            var bounds = AccumulatorBound.PerChannel(d.Matrix, inType);
            BigInteger max = 0;
            for (int c = 0; c < d.Out; c++)
            {
                BigInteger b = BigInteger.Abs(d.Bias[c]);
                for (int i = 0; i < d.In; i++)
                    b += BigInteger.Abs(IntegerReference.Term(d.Weights[c * d.In + i], inType.Max, d.Weight.Code, d.Weight.Bits, d.SqrtFracBits));
                Assert.Equal(b, (BigInteger)bounds[c]);
                max = BigInteger.Max(max, b);
                // The true worst case never exceeds the bound, and equals it when the terms share the bias's sign.
                var (worst, x) = IntegerReference.WorstCase(d, inType.Max, c);
                Assert.True(worst <= b);
                var withAcc = d with { AccBits = AccumulatorBound.RequiredBits(d.Matrix, inType) };
                var node = new IrNode("fc", ["x"], withAcc, IntType.S(64), d.Out, 1, 1.0);
                Assert.Equal(IntegerReference.Accumulate(d, x)[c], (BigInteger)new DenseKernel(node, inType).Accumulate(x, 0)[c]);
            }
            Assert.Equal(IntegerReference.SignedBitsFor(max), AccumulatorBound.RequiredBits(d.Matrix, inType));
        }, iter: 1500, threads: 1);
    }

    [Fact]
    public void TheCapacityRuleIsTheWorstSumOfTheLargestTerms()
    {
        Gen.Select(Spec, Gen.Int[1, 16], Gen.Int[1, 24], Gen.Int[1, 5000], Gen.Int[1, 32]).Sample(t =>
        {
            var (w, a, f, inputs, mb) = t;
            int half = 1 << (w.Bits - 1);
            BigInteger xMax = BigInteger.Pow(2, a) - 1;
            BigInteger maxTerm = w.Code switch
            {
                WeightCode.Uniform => xMax * half,
                _ => BigInteger.Max(IntegerReference.Term(1, xMax, w.Code, w.Bits, f), IntegerReference.Term(2, xMax, w.Code, w.Bits, f)),
            };
            int acc = IntegerReference.SignedBitsFor(maxTerm * inputs);
            Assert.Equal(acc, DenseCapacity.WorstCaseAccBits(w, inputs, a, f));
            Assert.Equal(acc + mb + 1 <= 64, DenseCapacity.Refusal(w, inputs, a, f, mb) is null);
        }, iter: Iter, threads: 1);
    }
}
