namespace QuantHdl.Compiler.Ir.Rules;

/// <summary>
/// The validator rule of <see cref="ConvOp"/> (docs/integer-semantics.md §7): the window fits the frame, groups
/// divide the channels, and the matrix-vector unit passes <see cref="DenseRule"/> over one window.
/// </summary>
internal static class ConvRule
{
    /// <inheritdoc cref="NodeRule"/>
    public static void Check(IrNode n, IrNode[] sources, int index)
    {
        var op = (ConvOp)n.Op;
        var src = RuleChecks.SingleInput(n, sources, "conv");
        string at = $"layer {n.Name}";
        if (op.InH < 1 || op.InW < 1 || op.InC < 1) throw new IrException($"{at}: input frame {op.InH}x{op.InW}x{op.InC} must be positive");
        if (op.K < 1 || op.Stride < 1 || op.Pad < 0 || op.Pad >= op.K)
            throw new IrException($"{at}: kernel {op.K}, stride {op.Stride}, padding {op.Pad}: need K >= 1, stride >= 1 and 0 <= padding < K");
        if (op.K > op.InH + 2 * op.Pad || op.K > op.InW + 2 * op.Pad)
            throw new IrException($"{at}: kernel {op.K}x{op.K} is larger than its {op.InH}x{op.InW} input padded by {op.Pad}");
        RuleChecks.Frame(at, src, op.InH, op.InW, op.InC);
        var d = op.Mvu ?? throw new IrException($"{at}: missing matrix-vector unit");
        if (op.Groups < 1 || op.InC % op.Groups != 0 || d.Out % op.Groups != 0)
            throw new IrException($"{at}: {op.Groups} groups must divide the {op.InC} input and {d.Out} output channels");
        if (n.OutSize != (long)op.OutH * op.OutW * d.Out)
            throw new IrException($"{at}: its edge declares {n.OutSize} elements but the {op.OutH}x{op.OutW}x{d.Out} output frame has {(long)op.OutH * op.OutW * d.Out}");
        if (d.Weight is not null && d.Weights is not null && d.In == op.K * op.K * op.InC && d.Weights.Length == d.In * d.Out)
            for (int o = 0; o < d.Out; o++)
                for (int i = 0; i < d.In; i++)
                    if (!op.InGroup(o, i % op.InC) && d.Weights[o * d.In + i] != 0)
                        throw new IrException($"{at}: weight [{o},{i}] couples channel {i % op.InC} outside the group of output {o}; grouped convs hold code 0 there");
        // The MVU is a dense layer over one window (§7): In = K*K*InC, one output per channel.
        var windows = src with { Name = $"{src.Name} (windows)", OutSize = op.K * op.K * op.InC };
        DenseRule.CheckLayer(n with { OutSize = d.Out }, d, windows);
        if (d.Fold is { } f && op.InC % f.Simd != 0)
            throw new IrException($"{at}: SIMD {f.Simd} must divide the {op.InC} input channels (a window beat holds channels of one pixel)");
    }
}
