using QuantHdl.Compiler.Ir;
using QuantHdl.Tests.Hdl;
using QuantHdl.Tests.Reference;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Verify;

/// <summary>Random two-layer graphs (16-12-10) with tight accumulator widths, for the end-to-end tests.</summary>
internal static class E2eGraphs
{
    /// <summary>POST 4-bit weights, 4-bit hidden activations: x u8[16]/4 lanes -> fc1 (SIMD 4, PE 3) -> fc2 (SIMD 3, PE 2) -> s16.</summary>
    public static IrGraph Post() => Make("e2e_post", WeightSpec.Parse("post:4"), hiddenBits: 4, inLanes: 4, new Folding(4, 3), new Folding(3, 2));

    /// <summary>Uniform 8-bit weights, 8-bit hidden activations: x u8[16]/2 lanes -> fc1 (SIMD 2, PE 4) -> fc2 (SIMD 6, PE 5) -> s16.</summary>
    public static IrGraph Uniform() => Make("e2e_uniform", WeightSpec.Parse("uniform:8"), hiddenBits: 8, inLanes: 2, new Folding(2, 4), new Folding(6, 5));

    private static IrGraph Make(string name, WeightSpec w, int hiddenBits, int inLanes, Folding f1, Folding f2)
    {
        var rng = new Random(RandomLayers.Seed(name));
        var u8 = IntType.U(8);
        var hidden = IntType.U(hiddenBits);
        var logits = IntType.S(16);
        var x = new IrNode("x", [], new InputOp(), u8, 16, inLanes, 1.0 / 255);
        var d1 = RandomLayers.Dense(rng, "fc1", 16, 12, w, u8, hidden, 0, hidden.Max, f1);
        var d2 = RandomLayers.Dense(rng, "fc2", 12, 10, w, hidden, logits, logits.Min, logits.Max, f2);
        var fc1 = new IrNode("fc1", ["x"], d1, hidden, 12, f1.Pe, 1.0);
        var fc2 = new IrNode("fc2", ["fc1"], d2, logits, 10, f2.Pe, 1.0);
        var g = new IrGraph(name, [x, fc1, fc2]) { Output = "fc2", Classes = 10 };
        IrValidator.Check(g);
        return g;
    }

    /// <summary>Every node's output from the BigInteger reference, which shares no code with the golden simulator.</summary>
    public static long[][] Reference(IrGraph g, long[] input) => IntegerReference.Run(g, input);
}
