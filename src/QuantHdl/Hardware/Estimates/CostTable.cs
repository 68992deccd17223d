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
/// <param name="BramMinDepth">A ROM of at least this many words goes to block RAM; shallower ones stay in LUTs.</param>
/// <param name="MulLut">LUTs per partial product (activation bit x weight bit) of a LUT multiplier.</param>
/// <param name="PotLut">LUTs per (magnitude bit x shift-select bit) of a POT term's shifter, sign XOR included.</param>
/// <param name="PostLut">LUTs per (magnitude bit x lane/shift-select bit) of a POST term.</param>
/// <param name="TableLut">LUTs per output bit and per LUT-sized slice of a POST lane's x/sqrt2 table.</param>
/// <param name="TreeLut">LUTs per bit of adder-tree adders (the negative-term count included).</param>
/// <param name="AccLut">LUTs per accumulator bit (the adder and the bias/accumulator select).</param>
/// <param name="RqLut">LUTs per product bit of a requant unit's round, shift and clamp.</param>
/// <param name="RqMulLut">LUTs per partial product of a requant multiplier in LUTs (no DSP).</param>
/// <param name="RomLut">LUTs per LUT-sized slice (one output bit of 2^LutInputs words) of a LUT ROM.</param>
/// <param name="ControlLut">LUTs of one unit's counters, handshakes and FIFO control.</param>
/// <param name="FfScale">Flip-flops Yosys keeps per counted register bit (constant bits are removed).</param>
public sealed record CostTable(
    FpgaFamily Family,
    int LutInputs,
    bool HasLutRam,
    int DspProductMinBits,
    int BramMinDepth,
    double MulLut,
    double PotLut,
    double PostLut,
    double TableLut,
    double TreeLut,
    double AccLut,
    double RqLut,
    double RqMulLut,
    double RomLut,
    double ControlLut,
    double FfScale)
{
    /// <summary>The table of a family.</summary>
    public static CostTable For(FpgaFamily family) => family switch
    {
        FpgaFamily.Xc7 => Xc7,
        FpgaFamily.Ice40 => Ice40,
    };

    /// <summary>Xilinx 7-series (Yosys synth_xilinx -family xc7), fitted on the layer suite.</summary>
    public static CostTable Xc7 { get; } = new(FpgaFamily.Xc7, 6, true, 9, 1024,
        MulLut: 0.8, PotLut: 0.35, PostLut: 0.35, TableLut: 1.0, TreeLut: 1.0, AccLut: 1.0, RqLut: 1.5, RqMulLut: 0.8, RomLut: 1.0, ControlLut: 40, FfScale: 1.0);

    /// <summary>Lattice iCE40 (Yosys synth_ice40, no SB_MAC16), fitted on the layer suite.</summary>
    public static CostTable Ice40 { get; } = new(FpgaFamily.Ice40, 4, false, 0, 256,
        MulLut: 1.2, PotLut: 0.7, PostLut: 0.7, TableLut: 1.0, TreeLut: 1.0, AccLut: 2.0, RqLut: 3.0, RqMulLut: 1.2, RomLut: 1.0, ControlLut: 60, FfScale: 1.0);
}
