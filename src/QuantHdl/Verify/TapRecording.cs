using System.Globalization;

namespace QuantHdl.Verify;

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

    /// <summary>Parses a harness output file.</summary>
    public static TapRecording Read(string path)
    {
        using var reader = new StreamReader(path);
        string? line = reader.ReadLine();
        if (line != "quanthdl-taps 1") throw new FormatException($"{path} is not a quanthdl-taps 1 file");
        int samples = -1;
        var names = new List<string>();
        var sizes = new List<int>();
        var lanes = new List<int>();
        var stalls = new List<InnerStall>();
        TapRecording? rec = null;
        while ((line = reader.ReadLine()) is not null)
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0) continue;
            switch (f[0])
            {
                case "graph":
                    break;
                case "samples":
                    samples = Int(f[1]);
                    break;
                case "tap":
                    names.Add(f[2]);
                    lanes.Add(Int(f[4]));
                    sizes.Add(Int(f[10]));
                    break;
                case "stall":
                    stalls.Add(new InnerStall(Int(f[1]), Int(f[3]), uint.Parse(f[5], CultureInfo.InvariantCulture), Int(f[7]), Int(f[9])));
                    break;
                case "backpressure":
                    rec ??= new TapRecording(samples, [.. names], [.. sizes]);
                    rec.BackpressureCycles[Int(f[1])] = Long(f[2]);
                    break;
                case "beat":
                {
                    rec ??= new TapRecording(samples, [.. names], [.. sizes]);
                    int tap = Int(f[1]), sample = Int(f[2]), beat = Int(f[3]);
                    bool last = f[5] == "1";
                    int l = lanes[tap];
                    int frameBeats = sizes[tap] / l;
                    if (sample >= samples)
                    {
                        rec.FramingErrors.Add((samples - 1, $"layer {names[tap]}: a beat for sample {sample}, but only {samples} were sent"));
                        break;
                    }
                    if (last != (beat == frameBeats - 1))
                        rec.FramingErrors.Add((sample, $"sample {sample}, layer {names[tap]}: beat {beat} of {frameBeats} has tlast={(last ? 1 : 0)}"));
                    for (int i = 0; i < l; i++) rec.Values[tap][sample][beat * l + i] = Long(f[6 + i]);
                    rec.Filled[tap][sample] += l;
                    break;
                }
                case "sample":
                {
                    rec ??= new TapRecording(samples, [.. names], [.. sizes]);
                    int s = Int(f[1]);
                    rec.FirstIn[s] = Long(f[3]);
                    rec.LastOut[s] = Long(f[5]);
                    break;
                }
                case "done":
                    rec ??= new TapRecording(samples, [.. names], [.. sizes]);
                    rec.TotalCycles = Long(f[2]);
                    break;
                case "deadlock":
                    rec ??= new TapRecording(samples, [.. names], [.. sizes]);
                    rec.Deadlock = line;
                    rec.TotalCycles = Long(f[2]);
                    break;
                default:
                    throw new FormatException($"{path}: unknown record '{line}'");
            }
        }
        if (samples < 0) throw new FormatException($"{path}: no samples line");
        rec ??= new TapRecording(samples, [.. names], [.. sizes]);
        rec.InnerStalls.AddRange(stalls);
        return rec;
    }

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    private static long Long(string s) => long.Parse(s, CultureInfo.InvariantCulture);
}
