using System.Globalization;

namespace QuantHdl.Tests.Hdl;

/// <summary>
/// hdl/axis_stall.v under Icarus (tb_axis_stall.v): every beat passes once, in order, unchanged; the
/// shim's stalling state follows a C# model of its xorshift and two-state chain cycle for cycle; it
/// makes backpressure when enabled and none when enter = 0. The bench itself fails on an AXI-Stream
/// hold violation or on a handshake seen by one side only.
/// </summary>
public sealed class StallBlockTests
{
    private const int Beats = 400;
    private const int DataBits = 16;

    [Theory]
    [InlineData(5u, 40, 30, 30, 30)]
    [InlineData(123456789u, 200, 3, 0, 0)]    // long bursts with an eager producer and consumer
    [InlineData(0u, 255, 255, 50, 50)]        // seed 0 is replaced by 1; one-cycle stalls
    [InlineData(77u, 128, 60, 0, 85)]         // a slow consumer: pending beats must pass first
    [InlineData(9u, 0, 0, 30, 30)]            // enter = 0: a wire
    public void PassesEveryBeatAndStallsAsModelled(uint seed, int enter, int leave, int pin, int pout)
    {
        var dir = HdlTestKit.NewTempDir("stall");
        string P(string n) => Path.Combine(dir, n);
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        var run = HdlTestKit.RunIverilog(dir, "tb_axis_stall", ["tb/tb_axis_stall.v", "axis_stall.v"],
            new Dictionary<string, string> { ["DATA_BITS"] = I(DataBits), ["N_BEATS"] = I(Beats) },
            [$"+out={P("out.txt")}", $"+trace={P("trace.txt")}", "+seed=3", $"+pin={pin}", $"+pout={pout}",
             $"+sseed={seed}", $"+enter={enter}", $"+leave={leave}"]);

        var beats = HdlTestKit.ReadRows(P("out.txt"));
        Assert.Equal(Beats, beats.Count);
        for (int i = 0; i < Beats; i++)
        {
            Assert.Equal(i * 7919L % (1L << DataBits), beats[i][0]);
            Assert.Equal(i % 5 == 4 ? 1 : 0, beats[i][1]);
        }

        var trace = File.ReadAllLines(P("trace.txt")).Where(l => l.Length > 0).Select(l => l == "1").ToArray();
        var model = StallingModel(seed, enter, leave, trace.Length);
        for (int c = 0; c < trace.Length; c++)
            Assert.True(model[c] == trace[c], $"cycle {c}: model stalling={model[c]}, RTL {trace[c]}");

        long blocked = Counter(run.Stdout, "BLOCKED");
        if (enter == 0)
        {
            Assert.DoesNotContain(true, trace);
            Assert.Equal(0, blocked);
        }
        else
        {
            Assert.True(blocked > 0, $"the shim never held the producer back (enter {enter}, leave {leave})");
        }
        Directory.Delete(dir, true);
    }

    /// <summary>The stalling state before each edge after reset, from the rule in hdl/axis_stall.v's header.</summary>
    private static bool[] StallingModel(uint seed, int enter, int leave, int cycles)
    {
        uint x = seed == 0 ? 1u : seed;
        bool stalling = false;
        var states = new bool[cycles];
        for (int c = 0; c < cycles; c++)
        {
            states[c] = stalling;
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            stalling = stalling ? (x & 0xff) > (uint)leave : ((x >> 8) & 0xff) < (uint)enter;
        }
        return states;
    }

    private static long Counter(string stdout, string name) =>
        long.Parse(stdout.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
}
