using System.Globalization;
using System.Numerics;

namespace QuantHdl.Hardware;

/// <summary>Sized Verilog literals, formatted the same way on every machine.</summary>
public static class VerilogLiteral
{
    /// <summary><c>{bits}'h{hex}</c> with the value taken modulo 2^bits and every hex digit written.</summary>
    public static string Hex(BigInteger value, int bits) => $"{bits}'h{HexDigits(value, bits)}";

    /// <summary>The zero-padded hex digits of value modulo 2^bits (ceil(bits/4) digits, lower case).</summary>
    public static string HexDigits(BigInteger value, int bits)
    {
        if (bits < 1) throw new ArgumentOutOfRangeException(nameof(bits), bits, "a literal needs at least one bit");
        var mask = (BigInteger.One << bits) - 1;
        var v = value & mask;
        int digits = (bits + 3) / 4;
        var sb = new char[digits];
        for (int i = digits - 1; i >= 0; i--)
        {
            sb[i] = "0123456789abcdef"[(int)(v & 15)];
            v >>= 4;
        }
        return new string(sb);
    }

    /// <summary>A 64-bit signed literal: <c>64'sd5</c> or <c>-64'sd32768</c>.</summary>
    public static string Signed64(long value) => value < 0
        ? "-64'sd" + (-(BigInteger)value).ToString(CultureInfo.InvariantCulture)
        : "64'sd" + value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A plain decimal integer (for integer parameters).</summary>
    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);
}
