using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Hdl;

/// <summary>Small hand-made graphs with fixed weights, for snapshot tests of the emitted Verilog.</summary>
internal static class TinyGraphs
{
    /// <summary>x (u8, 8 elements, 2 per beat) -> fc1 (8 -> 4, SIMD 2 x PE 2, u4) -> fc2 (4 -> 2, SIMD 4 x PE 1, s16).</summary>
    public static IrGraph Make(string spec)
    {
        var w = WeightSpec.Parse(spec);
        var input = new IrNode("x", [], new InputOp(), IntType.U(8), 8, 2, 1.0 / 255);
        var fc1 = Dense("fc1", "x", w, 8, 4, IntType.U(8), IntType.U(4), 0, 15, new Folding(2, 2));
        var fc2 = Dense("fc2", "fc1", w, 4, 2, IntType.U(4), IntType.S(16), -32768, 32767, new Folding(4, 1));
        return new IrGraph($"tiny_{w.Code.ToString().ToLowerInvariant()}", [input, fc1, fc2]) { Output = "fc2", Classes = 2 };
    }

    private static IrNode Dense(string name, string src, WeightSpec w, int inSize, int outSize, IntType inType, IntType outType, long lo, long hi, Folding fold)
    {
        var weights = new int[inSize * outSize];
        for (int c = 0; c < outSize; c++)
        for (int i = 0; i < inSize; i++)
        {
            weights[c * inSize + i] = w.Code == WeightCode.Uniform
                ? (c * 37 + i * 11) % ((1 << w.Bits) - 1) - ((1 << (w.Bits - 1)) - 1)
                : Code(w, (c * 3 + i * 5) % (1 << (w.Bits - 1)), (c + i) % 2);
        }
        var bias = Enumerable.Range(0, outSize).Select(c => (long)(c * 7 - 5)).ToArray();
        var m0 = Enumerable.Range(0, outSize).Select(c => 1000L + 77 * c).ToArray();
        var k = Enumerable.Range(0, outSize).Select(c => 12 + c).ToArray();
        var d = new DenseOp(inSize, outSize, w, 8, weights, bias, new Requant(m0, k, lo, hi, 16), 64, fold);
        d = d with { AccBits = AccumulatorBound.RequiredBits(d.Matrix, inType) };
        return new IrNode(name, [src], d, outType, outSize, fold.Pe, 1.0);
    }

    private static int Code(WeightSpec w, int e, int s) => e == 0 ? 0 : (s << (w.Bits - 1)) | e;
}
