using BenchmarkDotNet.Attributes;
using QuantHdl.Engine.Tensors;

namespace QuantHdl.Bench;

/// <summary>
/// Single-thread SGEMM: the 512³ headline and the shapes of one MLP 784-256-128-10 training step at batch 64.
/// Shape strings are "op m n k" with op NN (A·B), NT (A·Bᵀ) or TN (Aᵀ·B).
/// </summary>
public class GemmBenchmarks : IFlopCounted
{
    private float[] _a = Array.Empty<float>(), _b = Array.Empty<float>(), _c = Array.Empty<float>();
    private bool _ta, _tb;
    private int _m, _n, _k;

    [Params("NN 512 512 512", "NT 512 512 512", "TN 512 512 512",
            "NT 64 256 784", "TN 256 784 64", "NN 64 784 256")]
    public string Shape { get; set; } = "NN 512 512 512";

    public double Flops
    {
        get
        {
            Parse();
            return 2.0 * _m * _n * _k;
        }
    }

    private void Parse()
    {
        var p = Shape.Split(' ');
        _ta = p[0][0] == 'T';
        _tb = p[0][1] == 'T';
        _m = int.Parse(p[1]);
        _n = int.Parse(p[2]);
        _k = int.Parse(p[3]);
    }

    [GlobalSetup]
    public void Setup()
    {
        Parse();
        var rng = new Random(1);
        _a = Fill(rng, _m * _k);
        _b = Fill(rng, _k * _n);
        _c = new float[_m * _n];
    }

    private static float[] Fill(Random rng, int n)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = rng.NextSingle() * 2 - 1;
        return x;
    }

    [Benchmark]
    public void Sgemm() => Gemm.Sgemm(_ta, _tb, _m, _n, _k, _a, _ta ? _m : _k, _b, _tb ? _k : _n, _c, _n, accumulate: false);
}
