using QuantHdl.Compiler.Ir;
using QuantHdl.Hardware;
using QuantHdl.Hardware.Estimates;

namespace QuantHdl.Verification.Synthesis;

/// <summary>
/// The out-of-context synthesis job of one layer: its generated module and the hdl/ blocks (only those; the other
/// layers' files are left out, so a change to one layer leaves the others' cache keys alone).
/// </summary>
public static class LayerJobs
{
    /// <summary>The job of node <paramref name="node"/> from a design's files (file name to text).</summary>
    public static SynthJob For(IReadOnlyDictionary<string, string> rtl, string prefix, string node, FpgaFamily family, bool noDsp = false, string? device = null)
    {
        var blocks = RtlEmitter.MvuBlocks.Concat(RtlEmitter.ConvBlocks).ToHashSet(StringComparer.Ordinal);
        string top = $"{prefix}_{node}";
        if (!rtl.ContainsKey(top + ".v")) throw new IrException($"layer {node}: {top}.v is not in the design's rtl/; run 'quanthdl emit' again");
        var files = rtl.Where(f => blocks.Contains(f.Key) && f.Key != "axis_stall.v").OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => (f.Key, f.Value)).Append((top + ".v", rtl[top + ".v"])).ToList();
        return new SynthJob(top, files, family, noDsp, device);
    }

    /// <summary>The job of the whole design: every file of rtl/ with the top level as top.</summary>
    public static SynthJob Whole(IReadOnlyDictionary<string, string> rtl, string top, FpgaFamily family, bool noDsp = false, string? device = null)
    {
        var files = rtl.Where(f => f.Key.EndsWith(".v", StringComparison.Ordinal) && f.Key != "axis_stall.v" && f.Key != top + ".v")
            .OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => (f.Key, f.Value)).Append((top + ".v", rtl[top + ".v"])).ToList();
        return new SynthJob(top, files, family, noDsp, device);
    }

    /// <summary>The rendered design of a graph as file name to text (no file is written).</summary>
    public static IReadOnlyDictionary<string, string> Render(IrGraph g) =>
        new RtlEmitter().Render(g, out _).Where(f => f.Path.StartsWith("rtl/", StringComparison.Ordinal) && f.Path.EndsWith(".v", StringComparison.Ordinal))
            .ToDictionary(f => f.Path[4..], f => f.Text, StringComparer.Ordinal);

    /// <summary>The design files of a build's rtl/ folder.</summary>
    public static IReadOnlyDictionary<string, string> Read(string rtlDir) =>
        Directory.GetFiles(rtlDir, "*.v").ToDictionary(f => Path.GetFileName(f), File.ReadAllText, StringComparer.Ordinal);
}
