using System.Globalization;
using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Ir;
using QuantHdl.Hardware;
using QuantHdl.Hardware.Emitters;
using QuantHdl.Hardware.Estimates;

namespace QuantHdl.Verification.Synthesis;

/// <summary>
/// One point of the multiplier study (docs/multipliers.md): weight code <paramref name="Weight"/> (text such as
/// <c>post:4</c>, parsed when the case is built, so a width the code cannot hold is reported rather than thrown),
/// <paramref name="ActBits"/>-bit activations and, for POST, <paramref name="SqrtFracBits"/> fraction bits of the
/// x/sqrt2 lane table.
/// </summary>
public sealed record StudyCase(string Weight, int ActBits, int SqrtFracBits = DeploymentSettings.DefaultSqrtFracBits)
{
    /// <summary>The row label: <c>post:4 A8</c>, with <c>F=6</c> for a POST case off the default F.</summary>
    public string Label => Weight + " A" + ActBits.ToString(CultureInfo.InvariantCulture)
        + (Weight.StartsWith("post", StringComparison.Ordinal) && SqrtFracBits != DeploymentSettings.DefaultSqrtFracBits
            ? " F=" + SqrtFracBits.ToString(CultureInfo.InvariantCulture) : "");

    /// <summary>The width pair the study groups by: <c>W4A8</c>.</summary>
    public string Widths => "W" + Weight[(Weight.IndexOf(':') + 1)..] + "A" + ActBits.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The multiplier cost study (docs/multipliers.md): the LUTs of one MAC lane, the term (product or select and shift)
/// plus its share of the adder tree, of the lane logic shared by the output rows and of the accumulator, for each
/// weight code at the widths users choose between. Each case synthesizes hdl/mac_array.v, the datapath every MVU
/// instantiates, with exactly the parameters a layer of that code and folding gets, so the figure is the cost of
/// QuantHdl's own hardware, not of a model of it.
/// </summary>
public static class MultiplierStudy
{
    /// <summary>Input lanes of the studied array (SIMD); with <see cref="Rows"/> it gives 64 MAC lanes.</summary>
    public const int Lanes = 8;

    /// <summary>Output rows of the studied array (PE): the POST x/sqrt2 lane logic is shared by this many rows.</summary>
    public const int Rows = 8;

    /// <summary>Inputs of the layer whose worst-case accumulator the rows accumulate in (SF = Inputs / Lanes).</summary>
    public const int Inputs = 64;

    /// <summary>The module name of every study top.</summary>
    public const string TopModule = "qh_mac_study";

    /// <summary>
    /// The grid, uniform, POT and POST at W4A4, W4A8, W8A8 and W2A8, then POST W4A8 at fewer fraction bits,
    /// the one deployment setting that sets a POST lane's width.
    /// </summary>
    public static IReadOnlyList<StudyCase> DefaultCases { get; } = Build();

    private static List<StudyCase> Build()
    {
        var list = new List<StudyCase>();
        foreach (var (w, a) in new[] { (4, 4), (4, 8), (8, 8), (2, 8) })
            foreach (var code in new[] { "uniform", "pot", "post" })
                list.Add(new StudyCase($"{code}:{w}", a));
        foreach (int f in new[] { 6, 4, 2 }) list.Add(new StudyCase("post:4", 8, f));
        return list;
    }

    /// <summary>
    /// Why the case cannot be built (the weight code does not hold the width, or F is out of range), or null. The
    /// text is the parser's own message, so the table says exactly what a user would be told.
    /// </summary>
    public static string? Refusal(StudyCase c)
    {
        try
        {
            var w = WeightSpec.Parse(c.Weight);
            new DeploymentSettings(c.SqrtFracBits, DeploymentSettings.DefaultMultiplierBits).Check();
            return DenseCapacity.Refusal(w, Inputs, c.ActBits, c.SqrtFracBits, DeploymentSettings.DefaultMultiplierBits);
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    /// <summary>The layer the array belongs to: <see cref="Inputs"/> inputs, <see cref="Rows"/> outputs, folded <see cref="Lanes"/> x <see cref="Rows"/>, worst-case accumulator.</summary>
    public static DenseOp Layer(StudyCase c, int simd = Lanes, int pe = Rows, int inputs = Inputs)
    {
        if (Refusal(c) is string why) throw new ArgumentException($"study case {c.Label}: {why}");
        var w = WeightSpec.Parse(c.Weight);
        int f = w.Code == WeightCode.Post ? c.SqrtFracBits : 0;
        int acc = DenseCapacity.WorstCaseAccBits(w, inputs, c.ActBits, c.SqrtFracBits);
        var rq = new Requant(new long[pe], new int[pe], 0, (1L << c.ActBits) - 1, DeploymentSettings.DefaultMultiplierBits);
        return new DenseOp(inputs, pe, w, f, new int[inputs * pe], new long[pe], rq, acc, new Folding(simd, pe));
    }

    /// <summary>The study top of a case (hdl/mac_array.v between registers) and the hdl/ blocks it needs, as name and text.</summary>
    public static SynthJob Job(StudyCase c, RtlAssets assets, FpgaFamily family, int simd = Lanes, int pe = Rows)
    {
        var d = Layer(c, simd, pe);
        var hw = new MvuLayout(d).Hardware(c.ActBits, simd);
        bool post = d.Weight.Code == WeightCode.Post;
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        var parameters = new List<(string Name, string Value)>
        {
            ("SIMD", I(simd)), ("PE", I(pe)), ("A_BITS", I(c.ActBits)), ("W_BITS", I(d.Weight.Bits)),
            ("WEIGHT_MODE", I(EmitText.WeightMode(d.Weight.Code))), ("SQRT_FRAC_BITS", I(d.SqrtFracBits)),
            ("SQRT_TABLE", post ? SqrtTableLiteral.For(c.ActBits, d.SqrtFracBits) : "1'b0"),
            ("ACC_BITS", I(d.AccBits)),
        };
        // The derived widths mac_array.v shares with mvu.v, as MvuHardware formats them for the layer wrapper.
        parameters.AddRange(hw.VerilogParameters().Where(p => MacArrayWidths.Contains(p.Name)));
        var model = new TemplateModel
        {
            ["label"] = $"{c.Label}, {I(simd)} x {I(pe)} lanes",
            ["module"] = TopModule,
            ["simd"] = I(simd),
            ["pe"] = I(pe),
            ["lanes"] = I(simd * pe),
            ["acc_bits"] = I(d.AccBits),
            ["x_msb"] = I(simd * c.ActBits - 1),
            ["w_msb"] = I(simd * pe * d.Weight.Bits - 1),
            ["acc_msb"] = I(pe * d.AccBits - 1),
            ["parameters"] = parameters.Select((p, i) => new TemplateModel
            {
                ["name"] = p.Name,
                ["value"] = p.Value,
                ["sep"] = i < parameters.Count - 1 ? "," : "",
            }).ToList(),
        };
        var top = StrictTemplate.Load(assets.TemplatesDir, "mac_study.v.hbs").Render(model);
        var files = Blocks.Select(b => (b, File.ReadAllText(Path.Combine(assets.HdlDir, b)))).Append((TopModule + ".v", top)).ToList();
        return new SynthJob(TopModule, files, family, NoDsp: true);
    }

    private static readonly HashSet<string> MacArrayWidths = ["LEAVES", "POST_LW", "MAG_BITS", "LEAF_W"];

    /// <summary>The hdl/ blocks of hdl/mac_array.v.</summary>
    public static readonly string[] Blocks = ["add_tree.v", "mac_array.v", "neg_count.v", "post_lane.v", "post_term.v", "pot_term.v", "uniform_term.v"];
}
