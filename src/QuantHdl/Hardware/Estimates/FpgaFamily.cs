namespace QuantHdl.Hardware.Estimates;

/// <summary>The FPGA families QuantHdl estimates and synthesizes for (docs/estimation.md).</summary>
public enum FpgaFamily
{
    /// <summary>Xilinx 7-series: 6-input LUTs, LUTRAM, DSP48E1, RAMB18 (Yosys synth_xilinx -family xc7).</summary>
    Xc7,

    /// <summary>Lattice iCE40: 4-input LUTs, no LUTRAM, SB_RAM40_4K, no DSP on HX parts (Yosys synth_ice40).</summary>
    Ice40,
}

/// <summary>Parsing and naming of <see cref="FpgaFamily"/> as the command line writes it.</summary>
public static class FpgaFamilies
{
    /// <summary>The family named <c>xc7</c> or <c>ice40</c>; throws <see cref="ArgumentException"/> naming the text.</summary>
    public static FpgaFamily Parse(string text) => text.ToLowerInvariant() switch
    {
        "xc7" => FpgaFamily.Xc7,
        "ice40" => FpgaFamily.Ice40,
        _ => throw new ArgumentException($"--target '{text}' is unknown; use xc7 or ice40"),
    };

    /// <summary>The command-line name.</summary>
    public static string Name(FpgaFamily f) => f switch
    {
        FpgaFamily.Xc7 => "xc7",
        FpgaFamily.Ice40 => "ice40",
    };
}
