using System.Globalization;
using QuantHdl.Hardware.Estimates;
using QuantHdl.Verification.Synthesis;

namespace QuantHdl.Bench;

/// <summary>
/// The estimator against Yosys on the calibration suite (docs/estimation.md "Calibration"): synthesizes every
/// layer of <see cref="LayerSuite.Full"/> out of context (one Yosys at a time, cached by RTL hash in
/// bench/.synth-cache), prints estimate and synthesis side by side with the errors, and with --fit also prints
/// the least-squares LUT constants the cost table is set from. --cached-only compares only the layers already
/// synthesized; --synth-only synthesizes and prints no comparison; --only=a,b restricts the run to the named layers.
/// </summary>
internal static class EstimateBench
{
    public static int Run(string[] args)
    {
        var family = FpgaFamilies.Parse(args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "xc7");
        bool fit = args.Contains("--fit");
        if (Environment.GetEnvironmentVariable("QUANTHDL_RIDGE") is string ridge) Calibration.RidgeFactor = double.Parse(ridge, CultureInfo.InvariantCulture);
        bool synthOnly = args.Contains("--synth-only");
        bool cachedOnly = args.Contains("--cached-only");
        var cache = Environment.GetEnvironmentVariable("QUANTHDL_SYNTH_CACHE") ?? Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".synth-cache");
        var synth = new Synthesizer(cache, TimeSpan.FromMinutes(10));
        var only = args.FirstOrDefault(a => a.StartsWith("--only=", StringComparison.Ordinal))?["--only=".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries);
        var rows = new List<(LayerConfig Config, CellReport Synth)>();
        foreach (var c in LayerSuite.Pinned.Concat(LayerSuite.Full))
        {
            if (only is not null && !only.Contains(c.Name)) continue;
            var g = LayerSuite.Graph(c);
            var job = LayerJobs.For(LayerJobs.Render(g), QuantHdl.Hardware.RtlEmitter.ModulePrefix(g.Name), LayerSuite.LayerNode, family);
            var r = cachedOnly ? synth.Cached(job) : synth.Run(job);
            if (r is null) continue;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c.Name,-12} {(r.Cached ? "cached" : $"{r.Seconds:F1} s")}  LUT {r.Cells.Lut} FF {r.Cells.Ff} DSP {r.Cells.Dsp} BRAM {r.Cells.Bram}"));
            rows.Add((c, r.Cells));
        }
        if (synthOnly) return 0;
        return Calibration.Print(family, rows, fit, Console.Out);
    }
}
