using System.Globalization;
using System.Text;
using QuantHdl.Ir;

namespace QuantHdl.Hdl;

/// <summary>
/// Test vector files shared by the C# side and sim/harness.cpp. Both are plain text, one record per line,
/// decimal integers, '\n' line ends:
/// <code>
/// inputs.txt:   quanthdl-inputs 1
///               samples N size S
///               x0 x1 ... x(S-1)                    (N lines)
/// expected.txt: quanthdl-expected 1
///               samples N nodes T
///               node t name size S_t                 (T lines, graph order; node 0 is the input)
///               sample n node t v0 v1 ... v(S_t-1)   (N*T lines)
/// </code>
/// </summary>
public static class VectorWriter
{
    /// <summary>Writes the input frames (atomically).</summary>
    public static void WriteInputs(string path, IReadOnlyList<long[]> inputs)
    {
        int size = inputs.Count == 0 ? 0 : inputs[0].Length;
        var sb = new StringBuilder();
        sb.Append("quanthdl-inputs 1\n");
        sb.Append(CultureInfo.InvariantCulture, $"samples {inputs.Count} size {size}\n");
        for (int n = 0; n < inputs.Count; n++)
        {
            if (inputs[n].Length != size)
                throw new ArgumentException($"sample {n} has {inputs[n].Length} elements, sample 0 has {size}", nameof(inputs));
            AppendRow(sb, inputs[n]);
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    /// <summary>
    /// Writes the expected output of every node for every sample (atomically).
    /// <paramref name="expected"/>[n][t] is node t's output for sample n, as <c>GoldenSimulator.Run</c> returns it.
    /// </summary>
    public static void WriteExpected(string path, IrGraph graph, IReadOnlyList<long[][]> expected)
    {
        var sb = new StringBuilder();
        sb.Append("quanthdl-expected 1\n");
        sb.Append(CultureInfo.InvariantCulture, $"samples {expected.Count} nodes {graph.Nodes.Length}\n");
        for (int t = 0; t < graph.Nodes.Length; t++)
            sb.Append(CultureInfo.InvariantCulture, $"node {t} {graph.Nodes[t].Name} size {graph.Nodes[t].OutSize}\n");
        for (int n = 0; n < expected.Count; n++)
        {
            if (expected[n].Length != graph.Nodes.Length)
                throw new ArgumentException($"sample {n} has outputs for {expected[n].Length} nodes, the graph has {graph.Nodes.Length}", nameof(expected));
            for (int t = 0; t < graph.Nodes.Length; t++)
            {
                if (expected[n][t].Length != graph.Nodes[t].OutSize)
                    throw new ArgumentException($"sample {n} node {graph.Nodes[t].Name}: {expected[n][t].Length} values, expected {graph.Nodes[t].OutSize}", nameof(expected));
                sb.Append(CultureInfo.InvariantCulture, $"sample {n} node {t}");
                foreach (var v in expected[n][t]) sb.Append(' ').Append(v.ToString(CultureInfo.InvariantCulture));
                sb.Append('\n');
            }
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    /// <summary>Reads a file written by <see cref="WriteInputs"/>.</summary>
    public static long[][] ReadInputs(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length < 2 || lines[0] != "quanthdl-inputs 1")
            throw new FormatException($"{path} is not a quanthdl-inputs 1 file");
        var head = lines[1].Split(' ');
        if (head.Length != 4 || head[0] != "samples" || head[2] != "size")
            throw new FormatException($"{path}: bad header '{lines[1]}'");
        int n = int.Parse(head[1], CultureInfo.InvariantCulture);
        int size = int.Parse(head[3], CultureInfo.InvariantCulture);
        if (lines.Length < 2 + n) throw new FormatException($"{path}: {n} samples announced, {lines.Length - 2} present");
        var xs = new long[n][];
        for (int i = 0; i < n; i++)
        {
            xs[i] = ParseRow(lines[2 + i], 0);
            if (xs[i].Length != size) throw new FormatException($"{path}: sample {i} has {xs[i].Length} values, expected {size}");
        }
        return xs;
    }

    internal static long[] ParseRow(string line, int skip) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(skip).Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();

    private static void AppendRow(StringBuilder sb, long[] row)
    {
        for (int i = 0; i < row.Length; i++)
        {
            if (i > 0) sb.Append(' ');
            sb.Append(row[i].ToString(CultureInfo.InvariantCulture));
        }
        sb.Append('\n');
    }
}
