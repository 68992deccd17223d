using System.Text.Json;
using QuantHdl.Hardware.Estimates;

namespace QuantHdl.Verification.Synthesis;

/// <summary>
/// The resources Yosys mapped one module to, counted from its <c>stat -json</c> cells (docs/estimation.md
/// "Counting cells"). LUTs are slice LUTs: logic LUTs plus LUTs used as memory or shift registers (a RAM32M is
/// four, a RAM64X1D two, an SRL one). BRAM is in RAMB18 units (a RAMB36 is two; an iCE40 SB_RAM40_4K is one).
/// </summary>
public sealed record CellReport(int Lut, int Ff, int Dsp, int Bram, int Carry, IReadOnlyDictionary<string, int> Cells)
{
    /// <summary>The counts of a <c>stat -json</c> file of a flattened design for <paramref name="family"/>.</summary>
    public static CellReport FromStatJson(string json, FpgaFamily family)
    {
        using var doc = JsonDocument.Parse(json);
        var cells = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var design = doc.RootElement.GetProperty("design");
        if (design.TryGetProperty("num_cells_by_type", out var byType))
            foreach (var p in byType.EnumerateObject()) cells[p.Name] = p.Value.GetInt32();
        return FromCells(cells, family);
    }

    /// <summary>The counts of a cell histogram.</summary>
    public static CellReport FromCells(IReadOnlyDictionary<string, int> cells, FpgaFamily family)
    {
        int lut = 0, ff = 0, dsp = 0, bram = 0, carry = 0;
        foreach (var (type, n) in cells)
        {
            switch (family)
            {
                case FpgaFamily.Xc7:
                    if (type is "LUT1" or "LUT2" or "LUT3" or "LUT4" or "LUT5" or "LUT6") lut += n;
                    else if (type is "RAM32M" or "RAM64M" or "RAM128X1D") lut += 4 * n;
                    else if (type is "RAM32X1D" or "RAM64X1D" or "RAM128X1S") lut += 2 * n;
                    else if (type is "RAM32X1S" or "RAM64X1S" or "SRL16E" or "SRLC32E") lut += n;
                    else if (type.StartsWith("FD", StringComparison.Ordinal)) ff += n;
                    else if (type.StartsWith("DSP48", StringComparison.Ordinal)) dsp += n;
                    else if (type == "RAMB18E1") bram += n;
                    else if (type == "RAMB36E1") bram += 2 * n;
                    else if (type == "CARRY4") carry += n;
                    break;
                case FpgaFamily.Ice40:
                    if (type == "SB_LUT4") lut += n;
                    else if (type.StartsWith("SB_DFF", StringComparison.Ordinal)) ff += n;
                    else if (type == "SB_MAC16") dsp += n;
                    else if (type.StartsWith("SB_RAM40_4K", StringComparison.Ordinal)) bram += n;
                    else if (type == "SB_CARRY") carry += n;
                    break;
            }
        }
        return new CellReport(lut, ff, dsp, bram, carry, cells);
    }
}
