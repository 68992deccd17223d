using System.Globalization;
using QuantHdl.Compiler.Ir;
using QuantHdl.Hardware.Estimates;

namespace QuantHdl.Verification.Synthesis;

/// <summary>One suite layer's estimate beside its synthesis.</summary>
public sealed record CalibrationRow(LayerConfig Config, ResourceEstimate Estimate, CellReport Synth)
{
    /// <summary>Relative error of the estimate, (estimate - synthesis) / synthesis; 0 when both are 0.</summary>
    public static double Error(long estimate, long synth) => synth == 0 ? (estimate == 0 ? 0 : 1) : (estimate - synth) / (double)synth;
}

/// <summary>
/// Estimate against synthesis on the layer suite, and the least-squares fit of the LUT constants (docs/estimation.md
/// "Calibration"): the constants minimize the summed squared relative LUT error, kept non-negative.
/// </summary>
public static class Calibration
{
    /// <summary>The estimate of a suite layer (node <see cref="LayerSuite.LayerNode"/> of its graph).</summary>
    public static ResourceEstimate Estimate(LayerConfig c, CostTable t)
    {
        var g = LayerSuite.Graph(c);
        var n = g.Node(LayerSuite.LayerNode);
        return ResourceEstimator.For(OpKind.Dense)(g, n, g.Node(n.Inputs[0]), t);
    }

    /// <summary>The features of a suite layer.</summary>
    public static MvuFeatures Features(LayerConfig c, CostTable t)
    {
        var g = LayerSuite.Graph(c);
        var n = g.Node(LayerSuite.LayerNode);
        var src = g.Node(n.Inputs[0]);
        return MvuFeatures.Of((DenseOp)n.Op, src.OutType.Width, src.OutLanes, n.OutType.Width, t);
    }

    /// <summary>
    /// Non-negative least squares of relative LUT error over <paramref name="rows"/>: the constants c minimizing
    /// sum ((f . c + lutram - synth) / synth)^2 + ridge |c - start|^2 with c >= 0, by projected coordinate descent on the normal equations.
    /// </summary>
    public static double[] FitLutConstants(IReadOnlyList<(MvuFeatures F, long SynthLut)> rows, double[] start) =>
        Fit(rows.Select(r => (r.F.LutVector, (double)r.F.LutRam, r.SynthLut)).ToList(), start);

    /// <summary>The same fit for the flip-flop groups (the flip-flops of memories mapped to registers are the offset).</summary>
    public static double[] FitFfConstants(IReadOnlyList<(MvuFeatures F, long SynthFf, double Offset)> rows, double[] start) =>
        Fit(rows.Select(r => (r.F.FfParts, r.Offset, r.SynthFf)).ToList(), start);

    /// <summary>The ridge weight, relative to the mean diagonal of the normal equations.</summary>
    public static double RidgeFactor { get; set; } = 0.02;

    private static double[] Fit(IReadOnlyList<(double[] V, double Offset, long Y)> rows, double[] start)
    {
        int k = start.Length;
        var ata = new double[k, k];
        var atb = new double[k];
        foreach (var (v, offset, y) in rows)
        {
            double w = 1.0 / Math.Max(1, y);
            double target = (y - offset) * w;
            for (int i = 0; i < k; i++)
            {
                atb[i] += v[i] * w * target;
                for (int j = 0; j < k; j++) ata[i, j] += v[i] * w * v[j] * w;
            }
        }
        // A light ridge toward the starting constants keeps a quantity few suite layers exercise near its
        // structural value instead of letting it trade off against a correlated one.
        double ridge = 0;
        for (int i = 0; i < k; i++) ridge += ata[i, i];
        ridge = RidgeFactor * ridge / k;
        for (int i = 0; i < k; i++)
        {
            ata[i, i] += ridge;
            atb[i] += ridge * start[i];
        }
        var c = (double[])start.Clone();
        for (int iter = 0; iter < 20000; iter++)
        for (int i = 0; i < k; i++)
        {
            if (ata[i, i] <= 0) continue; // a quantity no suite layer has keeps its starting value
            double r = atb[i];
            for (int j = 0; j < k; j++) if (j != i) r -= ata[i, j] * c[j];
            c[i] = Math.Max(0, r / ata[i, i]);
        }
        return c;
    }

    /// <summary>Prints the side-by-side table and the error summary; with <paramref name="fit"/> also the fitted constants.</summary>
    public static int Print(FpgaFamily family, IReadOnlyList<(LayerConfig Config, CellReport Synth)> synth, bool fit, TextWriter o)
    {
        var t = CostTable.For(family);
        if (fit)
        {
            var c = FitLutConstants(synth.Select(s => (Features(s.Config, t), (long)s.Synth.Lut)).ToList(), MvuFeatures.Constants(t));
            o.WriteLine("fitted LUT constants (" + FpgaFamilies.Name(family) + "): " +
                string.Join(", ", MvuFeatures.LutNames.Zip(c, (n, v) => string.Create(CultureInfo.InvariantCulture, $"{n}: {v:F3}"))));
            var feats = synth.Select(s => (F: Features(s.Config, t), s.Synth)).ToList();
            var ffc = FitFfConstants(feats.Select(x => (x.F, (long)x.Synth.Ff, (double)(x.F.FfBits - Math.Round(x.F.FfParts.Zip(t.Ff, (a, b) => a * b).Sum())))).ToList(), t.Ff);
            o.WriteLine("fitted FF constants (" + FpgaFamilies.Name(family) + "): " +
                string.Join(", ", MvuFeatures.FfNames.Zip(ffc, (n, v) => string.Create(CultureInfo.InvariantCulture, $"{n}: {v:F3}"))));
            o.WriteLine("(the table below uses the fitted constants)");
            t = t with { Lut = c.Select(v => Math.Round(v, 3)).ToArray(), Ff = ffc.Select(v => Math.Round(v, 3)).ToArray() };
        }
        var table = t;
        var rows = synth.Select(s => new CalibrationRow(s.Config, Estimate(s.Config, table), s.Synth)).ToList();
        o.WriteLine(Table(rows));
        return 0;
    }

    /// <summary>The markdown table of rows with the error summary under it.</summary>
    public static string Table(IReadOnlyList<CalibrationRow> rows)
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine("| layer | config | LUT est | LUT syn | err | FF est | FF syn | err | DSP est/syn | BRAM est/syn |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Config.Name} | {r.Config.Weight} A{r.Config.ActBits} {r.Config.In}x{r.Config.Out} {r.Config.Simd}x{r.Config.Pe} | {r.Estimate.Lut} | {r.Synth.Lut} | {100 * CalibrationRow.Error(r.Estimate.Lut, r.Synth.Lut):+0.0;-0.0}% | {r.Estimate.Ff} | {r.Synth.Ff} | {100 * CalibrationRow.Error(r.Estimate.Ff, r.Synth.Ff):+0.0;-0.0}% | {r.Estimate.Dsp}/{r.Synth.Dsp} | {r.Estimate.Bram}/{r.Synth.Bram} |"));
        var s = Summary(rows);
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"\n{rows.Count} layers: LUT mean |err| {100 * s.LutMean:F1}%, max {100 * s.LutMax:F1}%; FF mean {100 * s.FfMean:F1}%, max {100 * s.FfMax:F1}%; DSP max {100 * s.DspMax:F1}%; BRAM max {100 * s.BramMax:F1}%"));
        return sb.ToString();
    }

    /// <summary>Mean and max absolute relative errors over rows.</summary>
    public static (double LutMean, double LutMax, double FfMean, double FfMax, double DspMax, double BramMax) Summary(IReadOnlyList<CalibrationRow> rows)
    {
        double[] lut = rows.Select(r => Math.Abs(CalibrationRow.Error(r.Estimate.Lut, r.Synth.Lut))).ToArray();
        double[] ff = rows.Select(r => Math.Abs(CalibrationRow.Error(r.Estimate.Ff, r.Synth.Ff))).ToArray();
        return (lut.Average(), lut.Max(), ff.Average(), ff.Max(),
            rows.Max(r => Math.Abs(CalibrationRow.Error(r.Estimate.Dsp, r.Synth.Dsp))),
            rows.Max(r => Math.Abs(CalibrationRow.Error(r.Estimate.Bram, r.Synth.Bram))));
    }
}
