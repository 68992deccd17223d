using QuantHdl.Compiler.Freeze;
using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;
using QuantHdl.Models;

namespace QuantHdl.Tests;

/// <summary>Small random frozen models for tests that need an IR without training.</summary>
internal static class TestModels
{
    /// <summary>A random MLP (dense source records on a flat input) for the real <see cref="Freezer"/>.</summary>
    public static ModelSource RandomMlp(int seed, WeightSpec spec, int actBits, params int[] sizes)
    {
        var rng = new Random(seed);
        var layers = new List<NodeSource>();
        double inStep = 1.0 / 255;
        for (int l = 0; l + 1 < sizes.Length; l++)
        {
            int fin = sizes[l], fout = sizes[l + 1];
            var w = new float[fin * fout];
            for (int i = 0; i < w.Length; i++) w[i] = (float)((rng.NextDouble() * 2 - 1) / Math.Sqrt(fin));
            var b = new float[fout];
            for (int i = 0; i < b.Length; i++) b[i] = (float)((rng.NextDouble() * 2 - 1) * 0.1);
            var scale = new float[fout];
            for (int c = 0; c < fout; c++)
            {
                float maxAbs = 0;
                for (int i = 0; i < fin; i++) maxAbs = Math.Max(maxAbs, Math.Abs(w[c * fin + i]));
                scale[c] = spec.Code == WeightCode.Uniform ? maxAbs / ((1 << (spec.Bits - 1)) - 1) : maxAbs;
            }
            bool last = l + 2 == sizes.Length;
            double outStep = last ? 1.0 / 2048 : 4.0 / ((1 << actBits) - 1);
            layers.Add(new DenseSource($"fc{l + 1}", fin, fout, w, b, spec, scale, inStep, outStep,
                last ? IntType.S(16) : IntType.U(actBits), !last));
            inStep = outStep;
        }
        return new ModelSource("test_mlp", Shape.Flat(sizes[0]), IntType.U(8), 1.0 / 255, layers.ToArray());
    }

    /// <summary>The float layer graph of an <c>mlp:</c> spec on its flat input, as train builds it.</summary>
    public static LayerGraph MlpGraph(string mlp, int seed) =>
        new(ModelSpec.Parse(mlp, Shape.Flat(MlpSpec.Parse(mlp).Sizes[0])), new Random(seed));

    /// <summary>The dense layers of a fake-quant graph, in order.</summary>
    public static QuantHdl.Quantization.QuantLinear[] DenseLayers(QuantHdl.Quantization.QuantGraph q) =>
        q.Nodes.Select(n => n.Module).OfType<QuantHdl.Quantization.QuantLinear>().ToArray();

    /// <summary>Random 8-bit input vectors.</summary>
    public static long[][] RandomInputs(int seed, int count, int size)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, size).Select(_ => (long)rng.Next(256)).ToArray()).ToArray();
    }
}
