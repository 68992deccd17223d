using System.Globalization;
using QuantHdl.Artifacts;

namespace QuantHdl.Verification.Verilator;

/// <summary>
/// What sim/harness.cpp recorded (the <c>quanthdl-taps 1</c> format, see sim/README.md): every beat of
/// every tapped stream, regrouped per tap and sample, the cycle of each sample's first input beat and
/// last output beat, each stream's backpressure cycles and the stall shims' inputs.
/// </summary>
public sealed class TapRecording
{
    private TapRecording(int samples, string[] tapNames, int[] tapSizes)
    {
        Samples = samples;
        TapNames = tapNames;
        Values = tapSizes.Select(size => Enumerable.Range(0, samples).Select(_ => new long[size]).ToArray()).ToArray();
        Filled = tapSizes.Select(_ => new int[samples]).ToArray();
        FirstIn = Enumerable.Repeat(-1L, samples).ToArray();
        LastOut = Enumerable.Repeat(-1L, samples).ToArray();
        BackpressureCycles = new long[tapNames.Length];
    }

    /// <summary>Samples streamed.</summary>
    public int Samples { get; }

    /// <summary>Node name of each tap, graph order.</summary>
    public string[] TapNames { get; }

    /// <summary>Values[tap][sample][element].</summary>
    public long[][][] Values { get; }

    /// <summary>Filled[tap][sample]: how many elements arrived.</summary>
    public int[][] Filled { get; }

    /// <summary>Beats whose tlast disagreed with their position in the frame (sample, message).</summary>
    public List<(int Sample, string Message)> FramingErrors { get; } = [];

    /// <summary>Cycle of each sample's first input beat.</summary>
    public long[] FirstIn { get; }

    /// <summary>Cycle of each sample's last output beat.</summary>
    public long[] LastOut { get; }

    /// <summary>Total cycles after reset.</summary>
    public long TotalCycles { get; private set; }

    /// <summary>Per tap: cycles in which the stream's valid was high and its ready low.</summary>
    public long[] BackpressureCycles { get; }

    /// <summary>The inputs of the stall shim of every layer input edge, in edge order.</summary>
    public List<InnerStall> InnerStalls { get; } = [];

    /// <summary>The harness's deadlock line, when it reported one.</summary>
    public string? Deadlock { get; private set; }

    /// <summary>
    /// Parses a harness output file. A record that does not fit the format (unknown, short, not a number,
    /// a tap or sample out of range) throws <see cref="MalformedFileException"/> naming the file and line.
    /// </summary>
    public static TapRecording Read(string path)
    {
        using var reader = new StreamReader(path);
        string? line = reader.ReadLine();
        if (line != "quanthdl-taps 1") throw new MalformedFileException(path, 1, "not a quanthdl-taps 1 file");
        int samples = -1;
        var names = new List<string>();
        var sizes = new List<int>();
        var lanes = new List<int>();
        var stalls = new List<InnerStall>();
        TapRecording? rec = null;
        int lineNo = 1;
        TapRecording Recording()
        {
            if (samples < 0) throw new FormatException("a record before the 'samples' line");
            return rec ??= new TapRecording(samples, [.. names], [.. sizes]);
        }
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0) continue;
            try
            {
                switch (f[0])
                {
                    case "graph":
                        break;
                    case "samples":
                        if (rec is not null || samples >= 0) throw new FormatException("a second 'samples' line");
                        samples = Index(f, 1, int.MaxValue);
                        break;
                    case "tap":
                    {
                        if (rec is not null) throw new FormatException("a tap declared after the first beat");
                        int l = Int(f, 4), size = Int(f, 10);
                        if (l < 1 || size < 1 || size % l != 0) throw new FormatException($"tap size {size} and lanes {l} must be positive, lanes dividing size");
                        names.Add(Field(f, 2));
                        lanes.Add(l);
                        sizes.Add(size);
                        break;
                    }
                    case "stall":
                        if (rec is not null) throw new FormatException("a stall record after the first beat");
                        stalls.Add(new InnerStall(Int(f, 1), Int(f, 3), uint.Parse(Field(f, 5), CultureInfo.InvariantCulture), Int(f, 7), Int(f, 9)));
                        break;
                    case "backpressure":
                        Recording().BackpressureCycles[Index(f, 1, names.Count)] = Long(f, 2);
                        break;
                    case "beat":
                    {
                        var r = Recording();
                        int tap = Index(f, 1, names.Count), sample = Int(f, 2);
                        int l = lanes[tap];
                        int frameBeats = sizes[tap] / l;
                        int beat = Index(f, 3, frameBeats);
                        bool last = Field(f, 5) == "1";
                        if (f.Length != 6 + l) throw new FormatException($"a beat of tap {names[tap]} has {f.Length - 6} values, the tap has {l} lanes");
                        if (sample < 0) throw new FormatException($"sample {sample} is negative");
                        if (sample >= samples)
                        {
                            r.FramingErrors.Add((samples - 1, $"layer {names[tap]}: a beat for sample {sample}, but only {samples} were sent"));
                            break;
                        }
                        if (last != (beat == frameBeats - 1))
                            r.FramingErrors.Add((sample, $"sample {sample}, layer {names[tap]}: beat {beat} of {frameBeats} has tlast={(last ? 1 : 0)}"));
                        for (int i = 0; i < l; i++) r.Values[tap][sample][beat * l + i] = Long(f, 6 + i);
                        r.Filled[tap][sample] += l;
                        break;
                    }
                    case "sample":
                    {
                        var r = Recording();
                        int s = Index(f, 1, samples);
                        r.FirstIn[s] = Long(f, 3);
                        r.LastOut[s] = Long(f, 5);
                        break;
                    }
                    case "done":
                        Recording().TotalCycles = Long(f, 2);
                        break;
                    case "deadlock":
                        Recording().Deadlock = line;
                        rec!.TotalCycles = Long(f, 2);
                        break;
                    default:
                        throw new FormatException($"unknown record '{(line.Length <= 40 ? line : line[..40] + "...")}'");
                }
            }
            catch (FormatException e)
            {
                throw new MalformedFileException(path, lineNo, e.Message);
            }
        }
        if (samples < 0) throw new MalformedFileException(path, null, "no samples line");
        rec ??= new TapRecording(samples, [.. names], [.. sizes]);
        rec.InnerStalls.AddRange(stalls);
        return rec;
    }

    private static string Field(string[] f, int i) =>
        i < f.Length ? f[i] : throw new FormatException($"a '{f[0]}' record needs at least {i + 1} fields, it has {f.Length}");

    private static int Int(string[] f, int i) =>
        int.TryParse(Field(f, i), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) ? v
            : throw new FormatException($"field {i + 1} '{f[i]}' of a '{f[0]}' record is not a 32-bit integer");

    private static long Long(string[] f, int i) =>
        long.TryParse(Field(f, i), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) ? v
            : throw new FormatException($"field {i + 1} '{f[i]}' of a '{f[0]}' record is not a 64-bit integer");

    /// <summary>A field that indexes something of <paramref name="count"/> elements.</summary>
    private static int Index(string[] f, int i, int count)
    {
        int v = Int(f, i);
        return v >= 0 && v < count ? v : throw new FormatException($"field {i + 1} of a '{f[0]}' record is {v}, outside [0, {count - 1}]");
    }
}
