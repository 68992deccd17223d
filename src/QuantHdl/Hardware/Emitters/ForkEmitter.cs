using QuantHdl.Compiler.Ir;
using static QuantHdl.Hardware.Emitters.EmitText;

namespace QuantHdl.Hardware.Emitters;

/// <summary>
/// The emitter of <see cref="OpKind.Fork"/>: the model of templates/fork.v.hbs (hdl/axis_fork.v), with a
/// hdl/skip_fifo.v of the IR's depth and storage on every branch that has one.
/// </summary>
internal static class ForkEmitter
{
    /// <summary>The template model of node <paramref name="n"/>, which reads <paramref name="src"/>.</summary>
    public static TemplateModel Model(IrGraph g, IrNode n, IrNode src, string prefix)
    {
        var op = (ForkOp)n.Op;
        int bits = n.OutLanes * n.OutType.Width;
        return new TemplateModel
        {
            ["node"] = n.Name,
            ["graph"] = Comment(g.Name),
            ["module"] = $"{prefix}_{n.Name}",
            ["size"] = I(n.OutSize),
            ["type"] = n.OutType.ToString(),
            ["lanes"] = I(n.OutLanes),
            ["count"] = I(op.Branches.Length),
            ["count_msb"] = I(op.Branches.Length - 1),
            ["data_msb"] = I(bits - 1),
            ["data_bits"] = I(bits),
            ["all_data_msb"] = I(op.Branches.Length * bits - 1),
            ["branches"] = op.Branches.Select((b, i) =>
            {
                var at = new TemplateModel
                {
                    ["branch"] = I(i),
                    ["port"] = i == 0 ? "m_axis" : $"m{I(i)}_axis",
                    ["data_bits"] = I(bits),
                    ["lo_bit"] = I(i * bits),
                };
                var fifo = new TemplateModel
                {
                    ["branch"] = I(i),
                    ["port"] = at["port"],
                    ["data_bits"] = I(bits),
                    ["lo_bit"] = I(i * bits),
                    ["depth"] = I(b.Depth),
                    ["ram_style"] = b.Depth > 0 ? RamStyle(b.Storage) : "",
                };
                return new TemplateModel
                {
                    ["branch"] = I(i),
                    ["port"] = at["port"],
                    ["consumer"] = b.Consumer,
                    ["data_msb"] = I(bits - 1),
                    ["reason"] = Comment(b.Reason),
                    ["fifo"] = b.Depth > 0 ? [fifo] : new List<TemplateModel>(),
                    ["wire"] = b.Depth == 0 ? [at] : new List<TemplateModel>(),
                };
            }).ToList(),
        };
    }

    /// <summary>The RAM_STYLE parameter of hdl/skip_fifo.v for a branch's storage.</summary>
    private static string RamStyle(string storage) => storage switch
    {
        "bram" => "block",
        "lutram" => "distributed",
        "registers" => "registers",
        _ => throw new IrException($"storage '{storage}' has no FIFO"),
    };
}
