using QuantHdl.Golden;
using QuantHdl.Golden.Kernels;
using QuantHdl.Compiler.Ir;
using QuantHdl.Tests.Hdl;
using QuantHdl.Tests.Reference;
using QuantHdl.Tests.Verify;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Golden;

/// <summary>The golden conv and pool kernels against a reference written from §7/§8 with BigInteger dense layers.</summary>
public class ConvGoldenTests
{
    /// <summary>Every node's output, from nested loops over §7's window definition and IntegerReference.Dense.</summary>
    private static long[][] Reference(IrGraph g, long[] input)
    {
        var outs = new long[g.Nodes.Length][];
        outs[0] = input;
        for (int t = 1; t < g.Nodes.Length; t++)
        {
            var x = outs[t - 1];
            var op = g.Nodes[t].Op;
            outs[t] = op.Kind switch
            {
                OpKind.Dense => IntegerReference.Dense((DenseOp)op, x),
                OpKind.Conv => ConvReference((ConvOp)op, x),
                OpKind.MaxPool => MaxPoolReference((MaxPoolOp)op, x),
                OpKind.AvgPool => AvgPoolReference((AvgPoolOp)op, x, g.Nodes[t].OutType.Max),
                OpKind.Input => throw new InvalidOperationException($"node {g.Nodes[t].Name}: an input after the first node"),
                OpKind.Add or OpKind.Fork => throw new InvalidOperationException($"node {g.Nodes[t].Name}: these chain graphs hold no residual ops (ResidualGoldenTests covers them)"),
            };
        }
        return outs;
    }

    private static long[] MaxPoolReference(MaxPoolOp p, long[] x) => PoolReference(x, p.InH, p.InW, p.C, p.K, p.K, w => w.Max());

    private static long[] AvgPoolReference(AvgPoolOp p, long[] x, long hi) =>
        PoolReference(x, p.InH, p.InW, p.C, p.KH, p.KW, w => (long)IntegerReference.Requant(w.Sum(), p.M0, p.Shift, 0, hi));

    private static long[] ConvReference(ConvOp c, long[] x)
    {
        var y = new List<long>();
        for (int oy = 0; oy < c.OutH; oy++)
            for (int ox = 0; ox < c.OutW; ox++)
            {
                var win = new List<long>();
                for (int ky = 0; ky < c.K; ky++)
                    for (int kx = 0; kx < c.K; kx++)
                        for (int ch = 0; ch < c.InC; ch++)
                        {
                            int iy = oy * c.Stride + ky - c.Pad, ix = ox * c.Stride + kx - c.Pad;
                            win.Add(iy < 0 || ix < 0 || iy >= c.InH || ix >= c.InW ? 0 : x[(iy * c.InW + ix) * c.InC + ch]);
                        }
                y.AddRange(IntegerReference.Dense(c.Mvu, win.ToArray()));
            }
        return y.ToArray();
    }

    private static long[] PoolReference(long[] x, int h, int w, int c, int kh, int kw, Func<long[], long> reduce)
    {
        var y = new List<long>();
        for (int oy = 0; oy < h / kh; oy++)
            for (int ox = 0; ox < w / kw; ox++)
                for (int ch = 0; ch < c; ch++)
                {
                    var win = new List<long>();
                    for (int dy = 0; dy < kh; dy++)
                        for (int dx = 0; dx < kw; dx++)
                            win.Add(x[((oy * kh + dy) * w + ox * kw + dx) * c + ch]);
                    y.Add(reduce(win.ToArray()));
                }
        return y.ToArray();
    }

    [Theory]
    [InlineData("uniform:4")]
    [InlineData("uniform:8")]
    [InlineData("pot:4")]
    [InlineData("post:4")]
    [InlineData("post:5")]
    public void EveryNodeOfARandomCnnMatchesTheReference(string spec)
    {
        var g = CnnGraphs.Small(WeightSpec.Parse(spec), RandomLayers.Seed("cnn-golden", spec));
        var sim = new GoldenSimulator(g);
        var rng = new Random(RandomLayers.Seed("cnn-inputs", spec));
        foreach (var x in RandomLayers.Inputs(rng, 12, 8 * 8 * 2, IntType.U(8)))
        {
            var got = sim.Run(x, 0);
            var want = Reference(g, x);
            for (int t = 0; t < g.Nodes.Length; t++) Assert.Equal(want[t], got[t]);
        }
    }

    [Fact]
    public void TermDecompositionIsTheTermForEveryCodeAndActivation()
    {
        foreach (var spec in new[] { "uniform:2", "uniform:8", "pot:3", "pot:5", "post:3", "post:4", "post:6" })
            foreach (int f in new[] { 4, 8 })
            {
                var w = WeightSpec.Parse(spec);
                for (int code = -(1 << (w.Bits - 1)); code < (1 << w.Bits); code++)
                {
                    if (!WeightArithmetic.IsValidCode(code, w)) continue;
                    var (onX, onRoot) = TermDecomposition.Of(code, w, f);
                    for (long x = 0; x < 256; x += 17)
                        Assert.Equal(IntegerReference.Term(code, x, w.Code, w.Bits, f), onX * (System.Numerics.BigInteger)x + onRoot * IntegerReference.SqrtHalf(x, f));
                }
            }
    }

    [Fact]
    public void AConvKernelWithANarrowAccumulatorRefusesToRun()
    {
        // Bypasses the validator: the kernel itself refuses an accumulator below the bound.
        var g = CnnGraphs.Small(WeightSpec.Parse("uniform:8"), 3);
        var node = g.Node("conv1");
        var c = (ConvOp)node.Op;
        var narrow = node with { Op = c with { Mvu = c.Mvu with { AccBits = c.Mvu.AccBits - 1 } } };
        var e = Assert.Throws<IntegerOverflowException>(() => new ConvKernel(narrow, IntType.U(8)));
        Assert.Contains("layer conv1", e.Message);
    }
}
