using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Hardware;

/// <summary>
/// The limits of the RTL generator, checked before anything is written, on top of <see cref="IrValidator"/>.
/// Messages name the node and the way out.
/// </summary>
public static class RtlValidator
{
    /// <summary>Largest activation width of a POST layer: its lane table has 2^a entries per SIMD lane.</summary>
    public const int MaxPostActivationBits = 12;

    /// <summary>Largest POT/POST term magnitude width the term blocks are generated for.</summary>
    public const int MaxMagnitudeBits = 128;

    /// <summary>
    /// Widest constant the emitted Verilog may hold: Verilator refuses a number of more than 65,536 bits
    /// ("Width of number exceeds implementation limit"). The POST lane table and the ROM words are such constants.
    /// </summary>
    public const int MaxConstantBits = 65536;

    /// <summary>Throws <see cref="IrException"/> on the first thing the RTL cannot implement.</summary>
    public static void Check(IrGraph g)
    {
        IrValidator.Check(g);
        for (int i = 1; i < g.Nodes.Length; i++)
        {
            var n = g.Nodes[i];
            if (n.Inputs.Length == 0) throw new IrException($"node {n.Name}: reads nothing; only the input node comes first");
            LimitsOf(n.Op.Kind)(n, g.Node(n.Inputs[0]));
        }
    }

    /// <summary>
    /// The one dispatch of the RTL limits: what each op kind's emitter (see <see cref="RtlEmitter"/>) cannot
    /// implement, for a node and the node before it.
    /// </summary>
    private static Action<IrNode, IrNode> LimitsOf(OpKind kind) => kind switch
    {
        OpKind.Dense => (n, src) => CheckDense(n, (DenseOp)n.Op, src),
        OpKind.Conv => (n, src) => CheckDense(n, ((ConvOp)n.Op).Mvu, src),
        // hdl/maxpool.v and hdl/pool_sum.v take every shape the IR validator accepts.
        OpKind.MaxPool or OpKind.AvgPool => (_, _) => { },
        // hdl/residual_add.v takes every add the IR validator accepts; a shortcut at another width passes axis_dwc.
        OpKind.Add => (_, _) => { },
        OpKind.Fork => (n, _) => CheckFork(n, (ForkOp)n.Op),
        OpKind.Input => (n, _) => throw new IrException($"node {n.Name}: an input node may only come first"),
    };

    private static void CheckFork(IrNode n, ForkOp f)
    {
        foreach (var b in f.Branches)
            if (b.Reason == ForkBranch.Unsized)
                throw new IrException($"fork {n.Name}: the FIFO to '{b.Consumer}' was never sized; run the skip-FIFO pass (compile runs it) before emitting");
    }

    /// <summary>Whether the weight and parameter ROM words of <paramref name="d"/> at its folding fit <see cref="MaxConstantBits"/>.</summary>
    public static bool RomWordsFit(DenseOp d)
    {
        var layout = new MvuLayout(d);
        return layout.WeightWordBits <= MaxConstantBits && layout.ParamWordBits <= MaxConstantBits;
    }

    private static void CheckDense(IrNode n, DenseOp d, IrNode src)
    {
        string at = $"layer {n.Name}";
        int a = src.OutType.Width;
        // F feeds the POST lane table; other codes carry it as an unused parameter, where 0 also passes.
        if (!DeploymentSettings.SqrtFracBitsInRange(d.SqrtFracBits) && !(d.Weight.Code != WeightCode.Post && d.SqrtFracBits == 0))
            throw new IrException($"{at}: SqrtFracBits {d.SqrtFracBits} is outside {DeploymentSettings.SqrtFracBitsRange}" + (d.Weight.Code == WeightCode.Post ? "" : " (or 0 for a non-POST layer)"));
        switch (d.Weight.Code)
        {
            case WeightCode.Post:
                if (a > MaxPostActivationBits)
                    throw new IrException($"{at}: POST needs a 2^{a}-entry x/sqrt2 table per SIMD lane for {a}-bit activations; the RTL supports at most {MaxPostActivationBits} bits, lower the activation bits");
                long tableBits = (1L << a) * SqrtTableLiteral.EntryBits(a, d.SqrtFracBits);
                if (tableBits > MaxConstantBits)
                    throw new IrException($"{at}: the POST x/sqrt2 table for {a}-bit activations and SqrtFracBits {d.SqrtFracBits} is 2^{a} x {SqrtTableLiteral.EntryBits(a, d.SqrtFracBits)} = {tableBits} bits, above Verilator's {MaxConstantBits}-bit constant limit; lower the activation bits or SqrtFracBits");
                int postMag = MvuLayout.MagnitudeBits(d.Weight, a, d.SqrtFracBits)!.Value;
                if (postMag > MaxMagnitudeBits)
                    throw new IrException($"{at}: {d.Weight} terms need {postMag}-bit magnitudes, max is {MaxMagnitudeBits}; lower the weight bits");
                break;
            case WeightCode.Pot:
                int potMag = MvuLayout.MagnitudeBits(d.Weight, a, d.SqrtFracBits)!.Value;
                if (potMag > MaxMagnitudeBits)
                    throw new IrException($"{at}: {d.Weight} terms need {potMag}-bit magnitudes, max is {MaxMagnitudeBits}; lower the weight bits");
                break;
            case WeightCode.Uniform:
                break;
            default:
                throw new IrException($"{at}: weight code {d.Weight.Code} has no term block");
        }
        if (!RomWordsFit(d))
        {
            var layout = new MvuLayout(d);
            throw new IrException($"{at}: a ROM word of {Math.Max(layout.WeightWordBits, layout.ParamWordBits)} bits (SIMD {d.Fold.Simd} x PE {d.Fold.Pe}) is above Verilator's {MaxConstantBits}-bit constant limit; lower SIMD or PE");
        }
        if (src.OutLanes < 1 || d.In % src.OutLanes != 0)
            throw new IrException($"{at}: input beats of {src.OutLanes} lanes do not divide In {d.In}");
    }
}
