using System.Globalization;
using QuantHdl.Arithmetic;

namespace QuantHdl.Hardware.Emitters;

/// <summary>How the emitters print numbers, names and ROM words into templates; nothing here decides hardware.</summary>
internal static class EmitText
{
    /// <summary>A decimal integer, culture-invariant.</summary>
    public static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>A text made safe for a one-line Verilog comment.</summary>
    public static string Comment(string s) => new(s.Select(c => char.IsControl(c) ? ' ' : c).ToArray());

    /// <summary>ROM words as sized address and hex value literals.</summary>
    public static List<TemplateModel> Words(System.Numerics.BigInteger[] words, int addrBits, int wordBits) =>
        words.Select((w, i) => new TemplateModel
        {
            ["addr"] = $"{addrBits}'d{I(i)}",
            ["value"] = VerilogLiteral.Hex(w, wordBits),
        }).ToList();

    /// <summary>The WEIGHT_MODE parameter of hdl/mvu.v for a weight code.</summary>
    public static int WeightMode(WeightCode c) => c switch
    {
        WeightCode.Uniform => 0,
        WeightCode.Pot => 1,
        WeightCode.Post => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(c), c, "no MVU weight mode"),
    };
}
