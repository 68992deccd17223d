using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Ir;

namespace QuantHdl.Hardware.Estimates;

/// <summary>
/// The structural quantities of one matrix-vector unit that its LUT cost is linear in (docs/estimation.md "The MVU
/// model"), computed from the layer and its <see cref="MvuHardware"/> decisions (the same values hdl/mvu.v is built
/// with). Each LUT quantity pairs with one constant of <see cref="CostTable"/>; the calibration fits those constants.
/// The DSP, BRAM, LUTRAM and flip-flop counts follow the family's mapping rules directly.
/// </summary>
public sealed record MvuFeatures(
    double MulPairs,
    double PotPairs,
    double PostPairs,
    double TableSlices,
    double TreeBits,
    double AccBits,
    double RqBits,
    double RqMulPairs,
    double RomSlices,
    double Units,
    long LutRam,
    long Dsp,
    long Bram,
    long FfBits,
    double[] FfParts,
    double ConstTermPairs)
{
    /// <summary>Names of the fitted LUT quantities, in <see cref="LutVector"/> order.</summary>
    public static readonly string[] LutNames = ["MulLut", "PotLut", "PostLut", "TableLut", "TreeLut", "AccLut", "RqLut", "RqMulLut", "RomLut", "ControlLut", "ConstTermLut"];

    /// <summary>The LUT quantities, in <see cref="LutNames"/> order.</summary>
    public double[] LutVector => [MulPairs, PotPairs, PostPairs, TableSlices, TreeBits, AccBits, RqBits, RqMulPairs, RomSlices, Units, ConstTermPairs];

    /// <summary>Names of the fitted flip-flop quantities, in <see cref="FfParts"/> order.</summary>
    public static readonly string[] FfNames = ["InputFf", "WeightFf", "ParamFf", "AccFf", "RqFf", "ControlFf", "DspInFf"];

    /// <summary>The constants of <paramref name="t"/>, in <see cref="LutNames"/> order.</summary>
    public static double[] Constants(CostTable t) => t.Lut;

    /// <summary>LUTs under table <paramref name="t"/>: the fitted quantities plus the LUTRAM, which is counted exactly.</summary>
    public long Luts(CostTable t) =>
        (long)Math.Round(LutVector.Zip(Constants(t), (f, c) => f * c).Sum()) + LutRam;

    /// <summary>The quantities of dense layer <paramref name="d"/> fed <paramref name="actBits"/>-bit inputs in beats of <paramref name="inLanes"/>.</summary>
    public static MvuFeatures Of(DenseOp d, int actBits, int inLanes, int outBits, CostTable t)
    {
        var layout = new MvuLayout(d);
        var hw = layout.Hardware(actBits, inLanes);
        int s = d.Fold.Simd, p = d.Fold.Pe, wb = d.Weight.Bits, a = actBits, acc = d.AccBits, mb = d.Rq.MultiplierBits;
        double lanes = (double)s * p;
        double mul = 0, pot = 0, post = 0, table = 0;
        long dsp = 0;
        // A one-word weight ROM (SF = NF = 1) is a constant: synthesis folds it into the terms, which then cost
        // ConstTermLut per (activation bit x weight bit) whatever the code.
        bool constant = layout.WeightDepth == 1;
        double constTerms = constant ? lanes * a * wb : 0;
        switch (constant ? (WeightCode?)null : d.Weight.Code)
        {
            case null:
                if (d.Weight.Code == WeightCode.Post) table = (double)s * hw.PostLaneBits!.Value * Math.Max(1, (1 << a) >> t.LutInputs);
                break;
            case WeightCode.Uniform:
                if (t.DspProductMinBits > 0 && a + wb >= t.DspProductMinBits) dsp += s * p;
                else mul = lanes * a * wb;
                break;
            case WeightCode.Pot:
                pot = lanes * hw.MagBits!.Value * (wb - 1);
                break;
            case WeightCode.Post:
                post = lanes * hw.MagBits!.Value * (wb - 1);
                // One x/sqrt2 table per SIMD lane: 2^a words of POST_LW bits, each output bit a function of a bits.
                table = (double)s * hw.PostLaneBits!.Value * Math.Max(1, (1 << a) >> t.LutInputs);
                break;
        }
        // Adder tree (hdl/add_tree.v): level l adds pairs of (LEAF_W + l - 1)-bit values, capped at ACC_BITS.
        double tree = 0;
        int n = hw.Leaves;
        for (int l = 1; n > 1; l++)
        {
            int adds = n / 2;
            tree += adds * Math.Min(hw.LeafBits + l, acc);
            n = (n + 1) / 2;
        }
        tree *= p;
        int units = hw.RqShared || p == 1 ? 1 : p;
        int prodBits = RequantMath.ProductBits(acc, mb);
        double rqMul = 0;
        if (t.DspProductMinBits > 0) dsp += units * (long)Math.Ceiling((acc - 1) / 24.0) * (long)Math.Ceiling(mb / 17.0);
        else rqMul = (double)units * acc * mb;
        // ROMs: weights SF*NF x PE*SIMD*b, parameters NF x PE*PW; deep ones go to block RAM.
        long bram = 0;
        double rom = 0;
        foreach (var (depth, width) in new[] { (layout.WeightDepth, layout.WeightWordBits), (layout.Nf, layout.ParamWordBits) })
        {
            if (RomInBram(depth, width, t)) bram += BramBlocks(depth, width, t.Family);
            else rom += (double)width * Math.Max(1, Math.Ceiling(depth / (double)(1 << t.LutInputs)));
        }
        // The input double buffer (2 banks of 2^SF_W words of SIMD*a bits, read through a register) and the output
        // FIFO (OF_DEPTH words of PE*out bits, read combinationally): LUTRAM on xc7, except a buffer whose LUTRAM
        // cells cost Yosys more than its RAMB18s (8 per 4-LUT cell, 129 per RAMB18: share/xilinx/lutrams_xc5v.txt,
        // brams_xc4v.txt), which goes to block RAM (the demo fc1's 128 x 64 xmem). On iCE40, which has no LUTRAM,
        // Yosys puts the buffer in SB_RAM40_4K blocks where its memory_libmap costs say so (a block costs 64, a bit
        // of RAM in flip-flops 1) and the FIFO in flip-flops (docs/estimation.md "The MVU model").
        long lutRam = 0, memFf = 0;
        foreach (var (depth, width, syncRead) in new[] { (2 << hw.SfBits, s * a, true), (hw.OutFifoDepth, p * outBits, false) })
        {
            if (t.HasLutRam && !(syncRead && LutRamCost * LutRamLuts(depth, width) / 4 > XilBramCost * BramBlocks(depth, width, t.Family))) lutRam += LutRamLuts(depth, width);
            else if (t.HasLutRam) bram += BramBlocks(depth, width, t.Family);
            else if (syncRead && (long)depth * width > IceBramCost * BramBlocks(depth, width, t.Family)) bram += BramBlocks(depth, width, t.Family);
            else memFf += (long)depth * width;
        }
        // Registers of hdl/mvu.v, stage by stage (docs/estimation.md lists them), in FfNames order. A register loaded
        // from a ROM keeps one flip-flop per distinct non-constant ROM column: Yosys removes the bits that are the same
        // in every word (all of them for a one-word ROM) and merges columns that are equal (a bias's sign extension).
        bool wBram = RomInBram(layout.WeightDepth, layout.WeightWordBits, t);
        var pWords = layout.ParamWords();
        double wLive = LiveColumns(layout.WeightWords(), 0, layout.WeightWordBits);
        double pLive = LiveColumns(pWords, 0, layout.ParamWordBits);
        // The {M0, k} fields of every channel, which the shared unit's shift register or the parallel units' rq_m0/rq_k hold.
        double mkLive = 0;
        for (int q = 0; q < p; q++) mkLive += LiveColumns(pWords, q * layout.ChannelBits + acc, mb + 6);
        bool rqDsp = t.DspProductMinBits > 0;
        // Uniform terms on DSPs: xl, w_data and w2 feed the DSPs' A and B inputs, where Yosys packs part of them into
        // the DSPs' own input registers (DspInFf, fitted) instead of the fabric (InputFf, WeightFf).
        bool termDsp = !constant && d.Weight.Code == WeightCode.Uniform && t.DspProductMinBits > 0 && a + wb >= t.DspProductMinBits;
        double wRegs = wBram ? (double)p * s * wb : 2 * wLive;
        double[] ffParts =
        [
            (double)s * a + (d.Weight.Code == WeightCode.Post ? (double)s * (a + hw.PostLaneBits!.Value) : termDsp ? 0 : (double)s * a), // x1, lanes / xl
            termDsp ? 0 : wRegs, // w_data (the BRAM's own register when the ROM is one) and w2
            pLive + (hw.RqShared ? (double)p * acc + mkLive : (p == 1 ? 0 : mkLive)), // p_data; shift register or {M0, k}
            2.0 * p * acc,                                           // psum, acc
            units * (double)((rqDsp ? 0 : prodBits) + 6 + outBits + 2) + (hw.RqShared ? (double)(p - 1) * outBits : 0), // requant stages (the product in the DSP's P register), collected channels
            2.0 * hw.SfBits + hw.NfBits + hw.WeightAddrBits + hw.CreditBits + hw.PeBits + 12, // counters and valid bits
            termDsp ? (double)s * a + wRegs : 0, // xl, w_data, w2 in front of DSP terms
        ];
        long ff = (long)Math.Round(ffParts.Zip(t.Ff, (f, c) => f * c).Sum());
        return new MvuFeatures(mul, pot, post, table, tree, (double)p * acc, units * (double)prodBits, rqMul, rom, 1,
            lutRam, dsp, bram, ff + memFf, ffParts, constTerms);
    }

    /// <summary>
    /// Distinct non-constant columns among bits [<paramref name="lo"/>, lo + <paramref name="width"/>) of the ROM
    /// <paramref name="words"/>: the flip-flops a register loaded from it keeps after Yosys' constant removal and
    /// opt_merge.
    /// </summary>
    public static int LiveColumns(System.Numerics.BigInteger[] words, int lo, int width)
    {
        var seen = new HashSet<string>();
        var col = new char[words.Length];
        for (int b = lo; b < lo + width; b++)
        {
            bool any0 = false, any1 = false;
            for (int i = 0; i < words.Length; i++)
            {
                bool one = !(words[i] >> b).IsEven;
                col[i] = one ? '1' : '0';
                if (one) any1 = true; else any0 = true;
            }
            if (any0 && any1) seen.Add(new string(col));
        }
        return seen.Count;
    }

    /// <summary>Yosys' memory_libmap cost of one SB_RAM40_4K (share/ice40/brams.txt), in bits of RAM in flip-flops.</summary>
    public const int IceBramCost = 64;

    /// <summary>Yosys' memory_libmap cost of one 4-LUT LUTRAM cell (RAM32M/RAM64M) on xc7 (share/xilinx/lutrams_xc5v.txt).</summary>
    public const int LutRamCost = 8;

    /// <summary>Yosys' memory_libmap cost of one RAMB18 on xc7 (share/xilinx/brams_xc4v.txt, mode HALF).</summary>
    public const int XilBramCost = 129;

    /// <summary>
    /// Whether Yosys maps a ROM of <paramref name="depth"/> words of <paramref name="width"/> bits to block RAM: from
    /// <see cref="CostTable.BramMinDepth"/> words, or from <see cref="CostTable.BramMinBits"/> bits in all
    /// (docs/estimation.md "The MVU model": a deep ROM and a wide one both go).
    /// </summary>
    public static bool RomInBram(int depth, int width, CostTable t) => depth >= t.BramMinDepth || (long)depth * width >= t.BramMinBits;

    /// <summary>Block RAMs of a ROM: the best RAMB18 aspect ratio (xc7), or 256 x 16 SB_RAM40_4K blocks (iCE40).</summary>
    public static long BramBlocks(int depth, int width, FpgaFamily family) => family switch
    {
        FpgaFamily.Xc7 => new[] { (16384, 1), (8192, 2), (4096, 4), (2048, 9), (1024, 18), (512, 36) }
            .Min(r => (long)Math.Ceiling(depth / (double)r.Item1) * (long)Math.Ceiling(width / (double)r.Item2)),
        FpgaFamily.Ice40 => new[] { (256, 16), (512, 8), (1024, 4), (2048, 2) }
            .Min(r => (long)Math.Ceiling(depth / (double)r.Item1) * (long)Math.Ceiling(width / (double)r.Item2)),
    };

    /// <summary>
    /// LUTs of a simple dual-port LUTRAM on xc7: RAM32M (32 words x 6 bits, 4 LUTs) up to 32 words, RAM64M (64 x 3,
    /// 4 LUTs) beyond, in banks of 64 words.
    /// </summary>
    public static long LutRamLuts(int depth, int width) =>
        depth <= 32 ? 4L * (long)Math.Ceiling(width / 6.0) : 4L * (long)Math.Ceiling(width / 3.0) * (long)Math.Ceiling(depth / 64.0);
}
