using QuantHdl.Compiler.Ir;
using QuantHdl.Quantization;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Quant;

/// <summary>Quantizer level sets, listed by hand.</summary>
public class LevelSetTests
{
    private static double[] AllValues(WeightSpec spec)
    {
        var codec = new PowerCodec(spec);
        var set = new SortedSet<double>();
        for (int code = 0; code < 1 << spec.Bits; code++)
            if (WeightArithmetic.IsValidCode(code, spec)) set.Add(Math.Round(codec.Value(code), 6));
        return set.ToArray();
    }

    [Fact]
    public void Post4HasFifteenLevelsOfSqrtTwoSteps()
    {
        double r = Math.Sqrt(0.5);
        double[] mags = [1, r, 0.5, 0.5 * r, 0.25, 0.25 * r, 0.125];
        var expected = mags.Select(m => Math.Round(-m, 6)).Concat([0.0]).Concat(mags.Select(m => Math.Round(m, 6))).OrderBy(v => v).ToArray();
        Assert.Equal(expected, AllValues(new WeightSpec(WeightCode.Post, 4)));
        Assert.Equal(15, expected.Length);
    }

    [Fact]
    public void Pot4HasPowersOfTwoDownToOneSixtyFourth()
    {
        double[] mags = [1, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625];
        var expected = mags.Select(m => -m).Concat([0.0]).Concat(mags).OrderBy(v => v).ToArray();
        Assert.Equal(expected, AllValues(new WeightSpec(WeightCode.Pot, 4)));
    }

    [Fact]
    public void Post3SpansOnlyOneToAHalf()
    {
        double r = Math.Round(Math.Sqrt(0.5), 6);
        Assert.Equal([-1, -r, -0.5, 0, 0.5, r, 1], AllValues(new WeightSpec(WeightCode.Post, 3)));
    }

    [Theory]
    [InlineData(WeightCode.Post)]
    [InlineData(WeightCode.Pot)]
    public void TwoBitsAreASignAndOneIndexBit(WeightCode code)
    {
        var spec = new WeightSpec(code, 2);
        Assert.Equal([-1, 0, 1], AllValues(spec));
        var codec = new PowerCodec(spec);
        Assert.Equal([0, 1, 3], new[] { 0.49f, 0.5f, -0.7f }.Select(codec.Code).ToArray()); // 0.5 is the midpoint of 0 and 1: the larger
        Assert.False(WeightArithmetic.IsValidCode(2, spec)); // sign with e = 0
        // Terms: +x and -x (POT), ±(x << F) on POST's even lane.
        int f = 6;
        long t = code == WeightCode.Pot ? 5 : 5L << f;
        Assert.Equal(t, WeightArithmetic.Term(1, 5, spec, f, null));
        Assert.Equal(-t, WeightArithmetic.Term(3, 5, spec, f, null));
        Assert.Equal(0, WeightArithmetic.Term(0, 5, spec, f, null));
    }

    [Fact]
    public void Post5And6ContinueTheSqrtTwoLadder()
    {
        // J = 2^(b-1) - 2 exponents: magnitudes 2^(-j/2), j = 0..J, as float32 levels.
        foreach (var (bits, j) in new[] { (5, 14), (6, 30) })
        {
            var mags = Enumerable.Range(0, j + 1).Select(i => Math.Round((double)(float)Math.Pow(2, -i / 2.0), 6)).ToArray();
            var expected = mags.Select(m => -m).Concat([0.0]).Concat(mags).OrderBy(v => v).ToArray();
            Assert.Equal(expected, AllValues(new WeightSpec(WeightCode.Post, bits)));
            Assert.Equal((1 << bits) - 1, expected.Length); // 2^b - 1 levels
        }
    }

    [Fact]
    public void Uniform4IsMinusEightToSeven()
    {
        var (n, p) = UniformCodec.SignedRange(4);
        Assert.Equal((-8, 7), (n, p));
        Assert.Equal(-8, UniformCodec.Code(-100f, 1f, n, p));
        Assert.Equal(7, UniformCodec.Code(7.49f, 1f, n, p));
        Assert.Equal(3, UniformCodec.Code(2.5f, 1f, n, p)); // half up
        Assert.Equal(-2, UniformCodec.Code(-2.5f, 1f, n, p)); // half up, not away
        Assert.Equal((0, 15), UniformCodec.UnsignedRange(4));
    }

    [Theory]
    [InlineData(0.9f, 1)]         // nearest to 1
    [InlineData(0.86f, 1)]        // 0.86 closer to 1 than 0.7071? |1-.86|=.14, |.86-.707|=.153
    [InlineData(0.85f, 2)]        // closer to 0.7071
    [InlineData(0.0624f, 0)]      // below half of 0.125 -> zero
    [InlineData(0.0626f, 7)]      // just above half of 0.125 -> 0.125 (e=7)
    [InlineData(3f, 1)]           // clamped to 1
    public void Post4PicksTheNearestLevel(float v, int expectedCode)
    {
        var codec = new PowerCodec(new WeightSpec(WeightCode.Post, 4));
        Assert.Equal(expectedCode, codec.Code(v));
        Assert.Equal(expectedCode == 0 ? 0 : expectedCode | 8, codec.Code(-v));
    }

    [Fact]
    public void TieBetweenLevelsGoesToTheLargerMagnitude()
    {
        var codec = new PowerCodec(new WeightSpec(WeightCode.Pot, 4));
        Assert.Equal(1, codec.Code(0.75f)); // midway between 1 and 0.5
        Assert.Equal(7, codec.Code(0.0078125f)); // midway between 1/64 and 0
    }

    [Theory]
    [InlineData("post:4", WeightCode.Post, 4)]
    [InlineData("POT:3", WeightCode.Pot, 3)]
    [InlineData("uniform:8", WeightCode.Uniform, 8)]
    public void WeightSpecParses(string text, WeightCode code, int bits) =>
        Assert.Equal(new WeightSpec(code, bits), WeightSpec.Parse(text));

    [Theory]
    [InlineData("post:0", "out of range")]
    [InlineData("uniform:17", "out of range")]
    [InlineData("post:1", "out of range")]
    [InlineData("pot:1", "out of range")]
    [InlineData("ternary:2", "unknown")]
    [InlineData("post", "kind:bits")]
    public void WeightSpecRejectsBadText(string text, string fragment)
    {
        var e = Assert.Throws<ArgumentException>(() => WeightSpec.Parse(text));
        Assert.Contains(fragment, e.Message);
    }
}
