using QuantHdl.Compiler.Freeze;
using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Ir;

/// <summary>
/// Every rule of <see cref="IrValidator"/>, one broken at a time on a valid frozen graph, with the
/// exact message (it must name the node and the bad value), and the boundary values that must pass.
/// </summary>
public class ValidatorRuleTests
{
    /// <summary>An op outside the closed set: its kind is no named <see cref="OpKind"/>.</summary>
    private sealed record AlienOp : IrOp
    {
        public override OpKind Kind => (OpKind)(-1);
    }

    // input u8[8] -> fc1 (8 -> 6, u4) -> fc2 (6 -> 4, s16), post:4, folding 1x1.
    private static readonly IrGraph Valid = Freezer.Freeze(TestModels.RandomMlp(3, new WeightSpec(WeightCode.Post, 4), 4, 8, 6, 4));

    private static IrGraph Node(int i, Func<IrNode, IrNode> f)
    {
        var nodes = Valid.Nodes.ToArray();
        nodes[i] = f(nodes[i]);
        return Valid with { Nodes = nodes };
    }

    private static IrGraph Dense(int i, Func<DenseOp, DenseOp> f) => Node(i, n => n with { Op = f((DenseOp)n.Op) });

    private static IrGraph Rq(int i, Func<Requant, Requant> f) => Dense(i, d => d with { Rq = f(d.Rq) });

    private static DenseOp Fc1 => (DenseOp)Valid.Nodes[1].Op;

    public static TheoryData<string, IrGraph> Broken()
    {
        var d = Fc1;
        var bigM0 = (long[])d.Rq.M0.Clone();
        bigM0[2] = 1L << 16;
        var negM0 = (long[])d.Rq.M0.Clone();
        negM0[1] = -1;
        var k0 = (int[])d.Rq.Shift.Clone();
        k0[3] = 0;
        var k63 = (int[])d.Rq.Shift.Clone();
        k63[3] = 63;
        var badCode = (int[])d.Weights.Clone();
        badCode[7] = 8; // sign set, index 0: the "-0" the freezer never emits
        var negCode = (int[])d.Weights.Clone();
        negCode[9] = -1;
        var wideBias = (long[])d.Bias.Clone();
        wideBias[4] = 1L << (d.AccBits - 1);
        var input = Valid.Nodes[0];
        return new TheoryData<string, IrGraph>
        {
            { "format 'onnx' is not quanthdl-ir", Valid with { Format = "onnx" } },
            { "ir version 2 is not supported; this build reads version 1", Valid with { Version = 2 } },
            { "graph 'test_mlp' needs an input node and at least one layer", Valid with { Nodes = [input] } },
            { "node 1 of graph 'test_mlp' is null", Valid with { Nodes = [input, null!, Valid.Nodes[2]] } },
            { "node 1: name '1fc' is not a valid identifier ([A-Za-z_][A-Za-z0-9_]*)", Node(1, n => n with { Name = "1fc" }) },
            { "node 1: name 'f-c' is not a valid identifier ([A-Za-z_][A-Za-z0-9_]*)", Node(1, n => n with { Name = "f-c" }) },
            { "node 1: name ' ' is not a valid identifier ([A-Za-z_][A-Za-z0-9_]*)", Node(1, n => n with { Name = " " }) },
            { "node fc1: duplicate name", Node(2, n => n with { Name = "fc1" }) },
            { "node fc1: missing output type", Node(1, n => n with { OutType = null! }) },
            { "node fc1: output size 0 must be positive", Node(1, n => n with { OutSize = 0 }) },
            { "node fc1: 4 lanes per beat do not divide the output size 6", Node(1, n => n with { OutLanes = 4 }) },
            { "node fc1: 0 lanes per beat do not divide the output size 6", Node(1, n => n with { OutLanes = 0 }) },
            { "node fc1: input 'fc9' is not an earlier node", Node(1, n => n with { Inputs = ["fc9"] }) },
            { "node fc2: dense takes exactly one input, got 2", Node(2, n => n with { Inputs = ["input", "fc1"] }) },
            { "node fc2: dense takes exactly one input, got 0", Node(2, n => n with { Inputs = null! }) },
            { "node fc1: missing op", Node(1, n => n with { Op = null! }) },
            { "node fc1: op AlienOp is not supported", Node(1, n => n with { Op = new AlienOp() }) },
            { "node fc1: the input node must come first", Node(1, n => n with { Op = ((InputOp)input.Op), Inputs = [] }) },
            { "node input: a 3x1 frame does not divide the 8 input elements into channels", Node(0, n => n with { Op = new InputOp(3, 1) }) },
            { "node input: a 0x8 frame does not divide the 8 input elements into channels", Node(0, n => n with { Op = new InputOp(0, 8) }) },
            { "node input: input type s8 is not supported; use unsigned 1..16 bits", Node(0, n => n with { OutType = IntType.S(8) }) },
            { "node input: input type u17 is not supported; use unsigned 1..16 bits", Node(0, n => n with { OutType = IntType.U(17) }) },
            { "layer fc2: input type s8 is not supported; a dense layer takes unsigned activations of 1..16 bits", Node(1, n => n with { OutType = IntType.S(8) }) },
            { "layer fc2: input type u17 is not supported; a dense layer takes unsigned activations of 1..16 bits", Node(1, n => n with { OutType = IntType.U(17) }) },
            { "layer fc1: expects 9 inputs but 'input' produces 8", Dense(1, x => x with { In = 9 }) },
            { "layer fc1: has 5 outputs but its edge declares 6", Dense(1, x => x with { Out = 5 }) },
            { "layer fc1: missing weight spec", Dense(1, x => x with { Weight = null! }) },
            { "layer fc1: weight bits 1 out of range 2..7 for Post (docs/integer-semantics.md §5)", Dense(1, x => x with { Weight = new WeightSpec(WeightCode.Post, 1) }) },
            { "layer fc1: weight bits 1 out of range 2..16 for Uniform (docs/integer-semantics.md §5)", Dense(1, x => x with { Weight = new WeightSpec(WeightCode.Uniform, 1) }) },
            { "layer fc1: weight bits 17 out of range 2..16 for Uniform (docs/integer-semantics.md §5)", Dense(1, x => x with { Weight = new WeightSpec(WeightCode.Uniform, 17) }) },
            { "layer fc1: SqrtFracBits 0 out of range 1..24", Dense(1, x => x with { SqrtFracBits = 0 }) },
            { "layer fc1: SqrtFracBits 25 out of range 1..24", Dense(1, x => x with { SqrtFracBits = 25 }) },
            { "layer fc1: missing requantization", Dense(1, x => x with { Rq = null! }) },
            { "layer fc1: multiplier bits 0 out of range 1..32", Rq(1, r => r with { MultiplierBits = 0 }) },
            { "layer fc1: multiplier bits 33 out of range 1..32", Rq(1, r => r with { MultiplierBits = 33 }) },
            { "layer fc1: expects 48 weights, found 47", Dense(1, x => x with { Weights = x.Weights[..47] }) },
            { "layer fc1: expects 48 weights, found 0", Dense(1, x => x with { Weights = null! }) },
            { "layer fc1: weight [0,7] code 8 is not a valid post:4 code", Dense(1, x => x with { Weights = badCode }) },
            { "layer fc1: weight [1,1] code -1 is not a valid post:4 code", Dense(1, x => x with { Weights = negCode }) },
            { "layer fc1: expects 6 biases, found 5", Dense(1, x => x with { Bias = x.Bias[..5] }) },
            { "layer fc1: expects 6 biases, found 0", Dense(1, x => x with { Bias = null! }) },
            { "layer fc1: requantization needs 6 multipliers and shifts", Rq(1, r => r with { M0 = r.M0[..5] }) },
            { "layer fc1: requantization needs 6 multipliers and shifts", Rq(1, r => r with { Shift = r.Shift[..5] }) },
            { "layer fc1: requantization needs 6 multipliers and shifts", Rq(1, r => r with { M0 = null! }) },
            { "layer fc1: requantization needs 6 multipliers and shifts", Rq(1, r => r with { Shift = null! }) },
            { "layer fc1: channel 2 multiplier 65536 does not fit 16 unsigned bits", Rq(1, r => r with { M0 = bigM0 }) },
            { "layer fc1: channel 1 multiplier -1 does not fit 16 unsigned bits", Rq(1, r => r with { M0 = negM0 }) },
            { "layer fc1: channel 3 shift 0 out of range 1..62", Rq(1, r => r with { Shift = k0 }) },
            { "layer fc1: channel 3 shift 63 out of range 1..62", Rq(1, r => r with { Shift = k63 }) },
            { "layer fc1: clamp range [0, 16] does not fit the output type u4", Rq(1, r => r with { Hi = 16 }) },
            { "layer fc1: clamp range [-1, 15] does not fit the output type u4", Rq(1, r => r with { Lo = -1 }) },
            { "layer fc1: clamp range [9, 8] does not fit the output type u4", Rq(1, r => r with { Lo = 9, Hi = 8 }) },
            { $"layer fc1: an accumulator of 48 bits needs a 65-bit requant product, which must be 1..64 bits; lower the weight bits or the multiplier bits, or split the layer", Dense(1, x => x with { AccBits = 48 }) },
            { $"layer fc1: an accumulator of 0 bits needs a 17-bit requant product, which must be 1..64 bits; lower the weight bits or the multiplier bits, or split the layer", Dense(1, x => x with { AccBits = 0 }) },
            { $"layer fc1: channel 4 bias {1L << (d.AccBits - 1)} does not fit the {d.AccBits}-bit accumulator", Dense(1, x => x with { Bias = wideBias }) },
            { $"layer fc1: accumulator of {d.AccBits - 1} bits is below the {d.AccBits} bits its weights need", Dense(1, x => x with { AccBits = x.AccBits - 1 }) },
            { "layer fc1: missing folding", Dense(1, x => x with { Fold = null! }) },
            { "layer fc1: SIMD 3 does not divide In 8", Dense(1, x => x with { Fold = new Folding(3, 1) }) },
            { "layer fc1: SIMD 0 does not divide In 8", Dense(1, x => x with { Fold = new Folding(0, 1) }) },
            { "layer fc1: PE 4 does not divide Out 6", Dense(1, x => x with { Fold = new Folding(1, 4) }) },
            { "layer fc1: PE 0 does not divide Out 6", Dense(1, x => x with { Fold = new Folding(1, 0) }) },
            { "layer fc1: output lanes 1 must equal PE 2", Dense(1, x => x with { Fold = new Folding(1, 2) }) },
        };
    }

    [Theory]
    [MemberData(nameof(Broken))]
    public void EachBrokenRuleIsNamed(string message, IrGraph g)
    {
        var e = Assert.Throws<IrException>(() => IrValidator.Check(g));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void TheBoundaryValuesPass()
    {
        var d = Fc1;
        IrValidator.Check(Valid);
        var m0 = (long[])d.Rq.M0.Clone();
        m0[0] = (1L << 16) - 1;
        m0[1] = 0;
        var k = (int[])d.Rq.Shift.Clone();
        k[0] = 62;
        k[1] = 1;
        var topBias = (long[])d.Bias.Clone();
        topBias[0] = 1L << 45;
        topBias[1] = -(1L << 45);
        IrValidator.Check(Rq(1, r => r with { M0 = m0, Shift = k, Lo = 0, Hi = 15 }));
        IrValidator.Check(Rq(1, r => r with { Lo = 7, Hi = 7 }));
        // The widest accumulator for a 16-bit multiplier: 47 + 16 + 1 = 64 bits of product.
        IrValidator.Check(Dense(1, x => x with { AccBits = 47, Bias = topBias }));
        IrValidator.Check(Rq(1, r => r with { MultiplierBits = 32 }));
        IrValidator.Check(Rq(1, r => r with { MultiplierBits = 1, M0 = new long[6] }));
        IrValidator.Check(Dense(1, x => x with { SqrtFracBits = 24, AccBits = 40 }));
        IrValidator.Check(Dense(1, x => x with { SqrtFracBits = 1 }));
        var u16 = Node(0, n => n with { OutType = IntType.U(16) });
        IrValidator.Check(WithAcc(u16, 40));
        IrValidator.Check(Node(2, n => n with { Name = "_Z9" }) with { Output = "_Z9" });
        // SqrtFracBits only matters for POST.
        var u = Freezer.Freeze(TestModels.RandomMlp(3, new WeightSpec(WeightCode.Uniform, 4), 4, 8, 6, 4));
        IrValidator.Check(u with { Nodes = [u.Nodes[0], u.Nodes[1] with { Op = ((DenseOp)u.Nodes[1].Op) with { SqrtFracBits = 0 } }, u.Nodes[2]] });
    }

    private static IrGraph WithAcc(IrGraph g, int accBits)
    {
        var nodes = g.Nodes.ToArray();
        nodes[1] = nodes[1] with { Op = ((DenseOp)nodes[1].Op) with { AccBits = accBits } };
        return g with { Nodes = nodes };
    }
}
