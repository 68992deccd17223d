namespace QuantHdl.Hardware.Estimates;

/// <summary>
/// The constants of the estimator for one FPGA family (docs/estimation.md "Cost tables"). Every LUT constant is
/// LUTs per unit of one structural quantity of <see cref="MvuFeatures"/>; they were fitted against Yosys on our own
/// blocks by <c>bench/QuantHdl.Bench estimate --fit</c> (the calibration script), which prints a new table when
/// hdl/ changes. The hardware rules (what goes to a DSP, a BRAM, LUTRAM) are the family's, not fitted.
/// </summary>
/// <param name="Family">The family.</param>
/// <param name="LutInputs">Inputs of one LUT: 6 on xc7, 4 on iCE40.</param>
/// <param name="HasLutRam">Whether small memories map to LUTRAM (xc7) or to flip-flops and muxes (iCE40).</param>
/// <param name="DspProductMinBits">A uniform product or requant multiplier of at least this many result bits goes
/// to a DSP (Yosys mul2dsp's minimum); 0 when the family's flow uses no DSP.</param>
/// <param name="BramMinDepth">A ROM of at least this many words goes to block RAM.</param>
/// <param name="BramMinBits">A ROM of at least this many bits in all goes to block RAM too, however shallow; smaller
/// ROMs stay in LUTs.</param>
/// <param name="Lut">LUTs per unit of each fitted quantity, in <see cref="MvuFeatures.LutNames"/> order: per partial
/// product of a LUT multiplier (MulLut); per magnitude bit and code bit of a POT and of a POST term (PotLut, PostLut);
/// per output bit and LUT-sized slice of a POST lane table (TableLut); per adder-tree bit (TreeLut); per accumulator
/// bit (AccLut); per requant product bit for round, shift and clamp (RqLut); per partial product of a requant
/// multiplier in LUTs (RqMulLut); per LUT-sized ROM slice (RomLut); per unit for control (ControlLut); per (activation bit x weight bit) of a term whose
/// weight ROM is one word, a constant synthesis folds in (ConstTermLut).</param>
/// <param name="Ff">Flip-flops Yosys keeps per counted register bit of each group, in <see cref="MvuFeatures.FfNames"/>
/// order (below 1 where registers are absorbed into DSPs, LUTRAM or BRAM, or are constant).</param>
public sealed record CostTable(
    FpgaFamily Family,
    int LutInputs,
    bool HasLutRam,
    int DspProductMinBits,
    int BramMinDepth,
    int BramMinBits,
    double[] Lut,
    double[] Ff)
{
    /// <summary>The table of a family.</summary>
    public static CostTable For(FpgaFamily family) => family switch
    {
        FpgaFamily.Xc7 => Xc7,
        FpgaFamily.Ice40 => Ice40,
    };

    /// <summary>
    /// Xilinx 7-series (Yosys synth_xilinx -family xc7), fitted on all 28 suite layers (bench/README.md); RqMulLut is unused
    /// (requant products are on DSPs) and keeps its structural value. BRAM from 4096 words: a 2048 x 3 ROM stayed in LUTs;
    /// or from 18 Kbit (one RAMB18) in all: the demo's fc1 weight ROM, 784 x 256 bits, went to block RAM.
    /// </summary>
    public static CostTable Xc7 { get; } = new(FpgaFamily.Xc7, 6, true, 9, 4096, 18432,
        Lut: [1.533, 0.370, 0.660, 0.842, 0.968, 0.284, 0.065, 0.8, 1.349, 107.288, 0.0],
        Ff: [0.398, 1.387, 1.011, 0.848, 0.847, 1.088, 0.417]);

    /// <summary>Lattice iCE40 (Yosys synth_ice40, no SB_MAC16): structural starting values, not yet fitted (docs/estimation.md).</summary>
    /// <remarks>BRAM from 256 words or 4 Kbit (one SB_RAM40_4K): a 196 x 256 weight ROM went to block RAM.</remarks>
    public static CostTable Ice40 { get; } = new(FpgaFamily.Ice40, 4, false, 0, 256, 4096,
        Lut: [1.2, 0.7, 0.7, 1.0, 1.0, 2.0, 3.0, 1.2, 1.0, 60, 0.5],
        Ff: [1, 1, 1, 1, 1, 1, 1]);
}
