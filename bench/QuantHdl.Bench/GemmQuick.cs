using System.Diagnostics;
using QuantHdl.Engine.Tensors;

namespace QuantHdl.Bench;

/// <summary>Stopwatch GEMM timing (best of several rounds), for quick checks without BenchmarkDotNet.</summary>
internal static class GemmQuick
{
    public static int Run(string[] args)
    {
        Console.WriteLine($"kernel: {Gemm.KernelName}");
        var shapes = args.Length > 0
            ? args.Select(a => a.Split('x').Select(int.Parse).ToArray()).Select(s => (false, false, s[0], s[1], s[2])).ToArray()
            : new[]
            {
                (false, false, 512, 512, 512), (false, true, 512, 512, 512), (true, false, 512, 512, 512),
                (false, false, 1024, 1024, 1024),
                (false, true, 64, 256, 784), (true, false, 256, 784, 64), (false, false, 64, 784, 256),
                (false, true, 64, 128, 256), (true, false, 128, 256, 64), (false, false, 64, 256, 128),
                (false, true, 64, 10, 128), (true, false, 10, 128, 64), (false, false, 64, 128, 10),
            };
        foreach (var (ta, tb, m, n, k) in shapes)
        {
            double g = Measure(ta, tb, m, n, k);
            Console.WriteLine($"{(ta ? 'T' : 'N')}{(tb ? 'T' : 'N')} {m,5} x {n,5} x {k,5}: {g,7:F1} GFLOP/s");
        }
        return 0;
    }

    /// <summary>Best GFLOP/s over 7 rounds of about 50 ms each.</summary>
    public static double Measure(bool ta, bool tb, int m, int n, int k)
    {
        var rng = new Random(1);
        var a = new float[m * k];
        var b = new float[k * n];
        var c = new float[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = rng.NextSingle();
        for (int i = 0; i < b.Length; i++) b[i] = rng.NextSingle();
        int lda = ta ? m : k, ldb = tb ? k : n;
        double flops = 2.0 * m * n * k;
        int reps = Math.Max(1, (int)(50e-3 * 100e9 / flops));
        for (int i = 0; i < Math.Min(reps, 20); i++) Gemm.Sgemm(ta, tb, m, n, k, a, lda, b, ldb, c, n, false);
        double best = double.MaxValue;
        for (int r = 0; r < 7; r++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < reps; i++) Gemm.Sgemm(ta, tb, m, n, k, a, lda, b, ldb, c, n, false);
            best = Math.Min(best, sw.Elapsed.TotalSeconds / reps);
        }
        return flops / best / 1e9;
    }
}
