using QuantHdl.Engine.Tensors;
using Xunit;

namespace QuantHdl.Tests.Engine;

/// <summary>Pools against nested-loop references and hand-listed cases; backward against finite differences.</summary>
public class PoolTests
{
    /// <summary>Distinct values at least 0.05 apart in random order, so a ±h = 0.01 step never changes a window's argmax.</summary>
    private static Tensor DistinctValues(Random rng, params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        var v = Enumerable.Range(0, n).Select(i => (float)(i * 0.05 - n * 0.025)).OrderBy(_ => rng.Next()).ToArray();
        return new Tensor(shape, v);
    }

    private static double[] Reference(Tensor x, int k, int s, bool max, out int oh, out int ow)
    {
        int planes = x.Dim(0) * x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        oh = (h - k) / s + 1;
        ow = (w - k) / s + 1;
        var y = new double[planes * oh * ow];
        for (int pl = 0; pl < planes; pl++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    double acc = max ? double.NegativeInfinity : 0;
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++)
                        {
                            double v = x.Data[(pl * h + oy * s + i) * w + ox * s + j];
                            acc = max ? Math.Max(acc, v) : acc + v / (k * k);
                        }
                    y[(pl * oh + oy) * ow + ox] = acc;
                }
        return y;
    }

    /// <summary>N, C, H, W, kernel, stride.</summary>
    public static IEnumerable<object[]> Cases() => new[]
    {
        new object[] { 2, 3, 6, 6, 2, 2 },
        new object[] { 1, 2, 7, 5, 2, 2 },  // odd sizes: the last row and column are dropped (floor)
        new object[] { 1, 2, 7, 7, 3, 2 },  // overlapping windows
        new object[] { 2, 1, 5, 6, 3, 1 },
        new object[] { 1, 1, 4, 4, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MaxPoolMatchesReferenceAndFiniteDifferences(int n, int c, int h, int w, int k, int s)
    {
        var rng = new Random(n + c * 3 + h * 5 + w * 7 + k * 11 + s * 13);
        var x = DistinctValues(rng, n, c, h, w);
        var y = Ops.MaxPool2d(x, k, s);
        var expected = Reference(x, k, s, max: true, out int oh, out int ow);
        Assert.Equal(new[] { n, c, oh, ow }, y.Shape);
        Assert.Equal(expected, y.Data.Select(v => (double)v));
        GradCheck.Check(t => Ops.MaxPool2d(t[0], k, s), new[] { x });
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AvgPoolMatchesReferenceAndFiniteDifferences(int n, int c, int h, int w, int k, int s)
    {
        var rng = new Random(n + c * 3 + h * 5 + w * 7 + k * 11 + s * 13);
        var x = GradCheck.Rand(rng, n, c, h, w);
        var y = Ops.AvgPool2d(x, k, s);
        var expected = Reference(x, k, s, max: false, out int oh, out int ow);
        Assert.Equal(new[] { n, c, oh, ow }, y.Shape);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], y.Data[i], 5);
        GradCheck.Check(t => Ops.AvgPool2d(t[0], k, s), new[] { x }, h: 0.1);
    }

    [Fact]
    public void MaxPoolGradientGoesToTheFirstOfTiedMaxima()
    {
        // Window 1 (top left): 5 at (0,1) and (1,0), the first in row-major order is (0,1).
        // Window 2 (top right): all equal, the first is (0,2). Window 3: a single maximum 9 at (3,1).
        // Window 4: two 7s at (2,3) and (3,2), the first is (2,3).
        var x = new Tensor(new[] { 1, 1, 4, 4 }, new float[]
        {
            1, 5, 2, 2,
            5, 3, 2, 2,
            0, 0, 6, 7,
            4, 9, 7, 1,
        }, requiresGrad: true);
        var y = Ops.MaxPool2d(x, 2);
        Assert.Equal(new float[] { 5, 2, 9, 7 }, y.Data);
        var dy = new Tensor(new[] { 1, 1, 2, 2 }, new float[] { 10, 20, 30, 40 });
        Ops.Sum(Ops.Mul(y, dy)).Backward();
        Assert.Equal(new float[]
        {
            0, 10, 20, 0,
            0, 0, 0, 0,
            0, 0, 0, 40,
            0, 30, 0, 0,
        }, x.Grad);
    }

    [Fact]
    public void MaxPoolGradientGoesToTheFirstOfTiedMaximaInLargerWindows()
    {
        // The general (not 2x2) path: a 3x3 window with four 4s, the first in row-major order is (0,1).
        var x = new Tensor(new[] { 1, 1, 3, 3 }, new float[] { 1, 4, 4, 4, 0, 0, 0, 0, 4 }, requiresGrad: true);
        var y = Ops.MaxPool2d(x, 3);
        Assert.Equal(new float[] { 4 }, y.Data);
        Ops.Sum(Ops.Scale(y, 3f)).Backward();
        Assert.Equal(new float[] { 0, 3, 0, 0, 0, 0, 0, 0, 0 }, x.Grad);
    }

    [Fact]
    public void MaxPoolOverlappingWindowsAccumulate()
    {
        // Kernel 2, stride 1 over two rows: both windows pick the 9, so its gradient is the sum of both.
        var x2 = new Tensor(new[] { 1, 1, 2, 3 }, new float[] { 1, 9, 2, 0, 0, 0 }, requiresGrad: true);
        var y2 = Ops.MaxPool2d(x2, 2, 1);
        Assert.Equal(new float[] { 9, 9 }, y2.Data);
        Ops.Sum(y2).Backward();
        Assert.Equal(new float[] { 0, 2, 0, 0, 0, 0 }, x2.Grad);
    }

    [Fact]
    public void GlobalAvgPoolIsThePlaneMean()
    {
        var rng = new Random(8);
        var x = GradCheck.Rand(rng, 2, 3, 4, 5);
        var y = Ops.GlobalAvgPool2d(x);
        Assert.Equal(new[] { 2, 3, 1, 1 }, y.Shape);
        for (int pl = 0; pl < 6; pl++)
        {
            double mean = 0;
            for (int i = 0; i < 20; i++) mean += x.Data[pl * 20 + i] / 20.0;
            Assert.Equal(mean, y.Data[pl], 5);
        }
        GradCheck.Check(t => Ops.GlobalAvgPool2d(t[0]), new[] { x }, h: 0.1);
    }

    [Fact]
    public void ShapeErrorsNameTheShapes()
    {
        var e1 = Assert.Throws<ArgumentException>(() => Ops.MaxPool2d(Tensor.Zeros(1, 2, 3, 3), 4));
        Assert.Contains("[1, 2, 3, 3]", e1.Message);
        Assert.Contains("4x4", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Ops.AvgPool2d(Tensor.Zeros(2, 9), 2));
        Assert.Contains("[2, 9]", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => Ops.GlobalAvgPool2d(Tensor.Zeros(2, 3, 4)));
        Assert.Contains("[2, 3, 4]", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() => Ops.MaxPool2d(Tensor.Zeros(1, 1, 4, 4), 2, 0));
        Assert.Contains("stride 0", e4.Message);
    }
}
