using QuantHdl.Engine.Tensors;
using Xunit;

namespace QuantHdl.Tests.Engine;

/// <summary>Conv2d against a nested-loop direct convolution in double, and its backward against finite differences.</summary>
public class ConvTests
{
    /// <summary>y[n, o, oy, ox] = b[o] + Σ_c,ki,kj w[o, c, ki, kj] · x[n, g·Cin/G + c, oy·s - p + ki, ox·s - p + kj], zero outside.</summary>
    private static double[] DirectConv(Tensor x, Tensor w, Tensor? b, int s, int p, int groups, out int oh, out int ow)
    {
        int n = x.Dim(0), cin = x.Dim(1), h = x.Dim(2), wd = x.Dim(3);
        int cout = w.Dim(0), cg = w.Dim(1), kh = w.Dim(2), kw = w.Dim(3), og = cout / groups;
        oh = (h + 2 * p - kh) / s + 1;
        ow = (wd + 2 * p - kw) / s + 1;
        var y = new double[n * cout * oh * ow];
        for (int i = 0; i < n; i++)
            for (int o = 0; o < cout; o++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        double acc = b?.Data[o] ?? 0;
                        int g = o / og;
                        for (int c = 0; c < cg; c++)
                            for (int ki = 0; ki < kh; ki++)
                                for (int kj = 0; kj < kw; kj++)
                                {
                                    int iy = oy * s - p + ki, ix = ox * s - p + kj;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                    acc += (double)w.Data[((o * cg + c) * kh + ki) * kw + kj] * x.Data[((i * cin + g * cg + c) * h + iy) * wd + ix];
                                }
                        y[((i * cout + o) * oh + oy) * ow + ox] = acc;
                    }
        return y;
    }

    /// <summary>N, Cin, H, W, Cout, K, stride, padding, groups, bias.</summary>
    public static IEnumerable<object[]> Cases() => new[]
    {
        new object[] { 2, 3, 7, 6, 4, 3, 1, 0, 1, true },
        new object[] { 2, 3, 7, 7, 4, 3, 2, 1, 1, true },
        new object[] { 1, 4, 6, 5, 6, 3, 1, 2, 2, false },   // groups = 2, padding 2
        new object[] { 2, 4, 5, 5, 4, 3, 1, 1, 4, true },    // depthwise
        new object[] { 1, 3, 5, 6, 6, 3, 2, 1, 3, true },    // depthwise with channel multiplier 2, stride 2
        new object[] { 2, 5, 4, 3, 3, 1, 1, 0, 1, true },    // 1x1: the input is the column matrix
        new object[] { 1, 2, 5, 5, 3, 1, 2, 0, 1, false },   // 1x1 with stride: im2col again
        new object[] { 1, 2, 8, 9, 3, 5, 3, 2, 1, true },    // stride 3: columns dropped at the right edge
        new object[] { 1, 1, 3, 3, 2, 2, 1, 3, 1, true },    // padding larger than the kernel: all-zero border rows
        new object[] { 2, 1, 28, 28, 6, 5, 1, 0, 1, true },  // LeNet-5 conv1
        new object[] { 1, 6, 12, 12, 16, 5, 1, 0, 1, true }, // LeNet-5 conv2
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesDirectConvolution(int n, int cin, int h, int w, int cout, int k, int s, int p, int groups, bool bias)
    {
        var rng = new Random(n * 31 + cin * 7 + h + k * 101 + s * 13 + p * 17 + groups);
        var x = GradCheck.Rand(rng, n, cin, h, w);
        var wt = GradCheck.Rand(rng, cout, cin / groups, k, k);
        var b = bias ? GradCheck.Rand(rng, cout) : null;
        var y = Ops.Conv2d(x, wt, b, s, p, groups);
        var expected = DirectConv(x, wt, b, s, p, groups, out int oh, out int ow);
        Assert.Equal(new[] { n, cout, oh, ow }, y.Shape);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(y.Data[i] - expected[i]) <= 1e-5 * (1 + Math.Abs(expected[i])), $"y[{i}] = {y.Data[i]}, direct {expected[i]}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardMatchesFiniteDifferences(int n, int cin, int h, int w, int cout, int k, int s, int p, int groups, bool bias)
    {
        if (h * w * cin * n > 400) return; // the LeNet shapes: forward only, the small cases cover the same code
        var rng = new Random(n + cin * 3 + h * 5 + k * 7 + s * 11 + p * 13 + groups * 17);
        var inputs = new List<Tensor> { GradCheck.Rand(rng, n, cin, h, w), GradCheck.Rand(rng, cout, cin / groups, k, k) };
        if (bias) inputs.Add(GradCheck.Rand(rng, cout));
        // The output is linear in each input, so a large step costs no truncation error and keeps rounding small.
        GradCheck.Check(t => Ops.Conv2d(t[0], t[1], bias ? t[2] : null, s, p, groups), inputs.ToArray(), h: 0.1);
    }

    [Fact]
    public void RebuildingColumnsInBackwardGivesTheSameGradients()
    {
        // Layers too large to keep their column matrices rebuild them image by image in the backward pass.
        var rng = new Random(14);
        var x = GradCheck.Rand(rng, 3, 4, 7, 6); var w = GradCheck.Rand(rng, 6, 2, 3, 3); var b = GradCheck.Rand(rng, 6);
        foreach (var t in new[] { x, w, b }) t.RequiresGrad = true;
        var r = GradCheck.Rand(new Random(2), 3, 6, 4, 3);
        Ops.Sum(Ops.Mul(Ops.Conv2d(x, w, b, 2, 1, 2), r)).Backward();
        var kept = new[] { x.Grad!.ToArray(), w.Grad!.ToArray(), b.Grad!.ToArray() };
        foreach (var t in new[] { x, w, b }) t.ZeroGrad();
        try
        {
            Ops.t_keptColumnsLimit = 1;
            Ops.Sum(Ops.Mul(Ops.Conv2d(x, w, b, 2, 1, 2), r)).Backward();
            GradCheck.Check(t => Ops.Conv2d(t[0], t[1], t[2], 2, 1, 2), new[] { GradCheck.Rand(rng, 2, 2, 5, 5), GradCheck.Rand(rng, 2, 1, 3, 3), GradCheck.Rand(rng, 2) }, h: 0.1);
        }
        finally
        {
            Ops.t_keptColumnsLimit = 0;
        }
        Assert.Equal(kept[0], x.Grad);
        Assert.Equal(kept[1], w.Grad);
        Assert.Equal(kept[2], b.Grad);
    }

    [Fact]
    public void Conv2dReluEqualsReluOfConv2d()
    {
        var rng = new Random(12);
        var x = GradCheck.Rand(rng, 2, 4, 6, 5); var w = GradCheck.Rand(rng, 6, 2, 3, 3); var b = GradCheck.Rand(rng, 6);
        foreach (var t in new[] { x, w, b }) t.RequiresGrad = true;
        var fused = Ops.Conv2dRelu(x, w, b, 1, 1, 2);
        Ops.Sum(Ops.Mul(fused, GradCheck.Rand(new Random(1), fused.Shape))).Backward();
        var grads = new[] { x.Grad!.ToArray(), w.Grad!.ToArray(), b.Grad!.ToArray() };
        foreach (var t in new[] { x, w, b }) t.ZeroGrad();
        var plain = Ops.Relu(Ops.Conv2d(x, w, b, 1, 1, 2));
        Ops.Sum(Ops.Mul(plain, GradCheck.Rand(new Random(1), plain.Shape))).Backward();
        Assert.Equal(plain.Data, fused.Data);
        Assert.Contains(plain.Data, v => v == 0f); // the ReLU did clip something
        Assert.Equal(grads[0], x.Grad);
        Assert.Equal(grads[1], w.Grad);
        Assert.Equal(grads[2], b.Grad);
    }

    [Fact]
    public void Conv2dReluBackwardMatchesFiniteDifferences()
    {
        // Pick data whose pre-activations are far from 0 so the finite difference never crosses the kink.
        var rng = new Random(13);
        for (int attempt = 0; ; attempt++)
        {
            var x = GradCheck.Rand(rng, 1, 2, 4, 4); var w = GradCheck.Rand(rng, 3, 2, 3, 3); var b = GradCheck.Rand(rng, 3);
            using (Tensor.NoGrad())
            {
                if (Ops.Conv2d(x, w, b, 1, 1).Data.Any(v => Math.Abs(v) < 0.1f) && attempt < 5000) continue;
            }
            GradCheck.Check(t => Ops.Conv2dRelu(t[0], t[1], t[2], 1, 1), new[] { x, w, b }, h: 1e-3, atol: 5e-3);
            return;
        }
    }

    [Fact]
    public void WeightGradientWithoutInputGradient()
    {
        // The first layer of a network: x does not require grad, so only dW and db are computed.
        var rng = new Random(3);
        var x = GradCheck.Rand(rng, 2, 1, 6, 6);
        var w = GradCheck.Rand(rng, 3, 1, 3, 3);
        var b = GradCheck.Rand(rng, 3);
        w.RequiresGrad = true;
        b.RequiresGrad = true;
        Ops.Sum(Ops.Conv2d(x, w, b)).Backward();
        Assert.Null(x.Grad);
        // d(sum y)/db[o] = N·OH·OW; d(sum y)/dw[o, 0, ki, kj] = Σ over images and outputs of the input under that tap.
        Assert.All(b.Grad!, g => Assert.Equal(2 * 4 * 4, g));
        for (int ki = 0; ki < 3; ki++)
            for (int kj = 0; kj < 3; kj++)
            {
                double s = 0;
                for (int i = 0; i < 2; i++)
                    for (int oy = 0; oy < 4; oy++)
                        for (int ox = 0; ox < 4; ox++) s += x.Data[(i * 6 + oy + ki) * 6 + ox + kj];
                for (int o = 0; o < 3; o++) Assert.Equal(s, w.Grad![(o * 3 + ki) * 3 + kj], 4);
            }
    }

    [Fact]
    public void WorksInsideAStepScope()
    {
        var rng = new Random(4);
        var x = GradCheck.Rand(rng, 2, 2, 5, 5);
        var w = GradCheck.Rand(rng, 2, 2, 3, 3);
        w.RequiresGrad = true;
        Ops.Sum(Ops.Conv2d(x, w, null, 1, 1)).Backward();
        var plain = w.Grad!.ToArray();
        w.ZeroGrad();
        for (int step = 0; step < 3; step++)
        {
            using var scope = Tensor.StepScope();
            w.ZeroGrad();
            Ops.Sum(Ops.Conv2d(x, w, null, 1, 1)).Backward();
        }
        Assert.Equal(plain, w.Grad);
    }

    [Fact]
    public void ShapeErrorsNameTheShapes()
    {
        var x = Tensor.Zeros(2, 3, 5, 5);
        var e1 = Assert.Throws<ArgumentException>(() => Ops.Conv2d(x, Tensor.Zeros(4, 2, 3, 3)));
        Assert.Contains("[4, 2, 3, 3]", e1.Message);
        Assert.Contains("Cin/groups = 3", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Ops.Conv2d(x, Tensor.Zeros(4, 1, 3, 3), groups: 2));
        Assert.Contains("groups 2", e2.Message);
        Assert.Contains("[2, 3, 5, 5]", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => Ops.Conv2d(x, Tensor.Zeros(4, 3, 7, 7)));
        Assert.Contains("[2, 3, 5, 5]", e3.Message);
        Assert.Contains("7x7", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() => Ops.Conv2d(Tensor.Zeros(2, 75), Tensor.Zeros(4, 3, 3, 3)));
        Assert.Contains("[2, 75]", e4.Message);
        var e5 = Assert.Throws<ArgumentException>(() => Ops.Conv2d(x, Tensor.Zeros(4, 3, 3, 3), Tensor.Zeros(3)));
        Assert.Contains("bias [3]", e5.Message);
        var e6 = Assert.Throws<ArgumentException>(() => Ops.Conv2d(x, Tensor.Zeros(4, 3, 3, 3), stride: 0));
        Assert.Contains("stride 0", e6.Message);
    }
}
