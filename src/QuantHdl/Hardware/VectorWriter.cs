using System.Globalization;
using System.Text;
using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;
using QuantHdl.Artifacts;

namespace QuantHdl.Hardware;

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

    /// <summary>
    /// Reads a file written by <see cref="WriteInputs"/>. With <paramref name="expectedSize"/> every frame
    /// must have that many values, and with <paramref name="type"/> every value must fit it. Any departure
    /// from the layout throws <see cref="MalformedFileException"/> naming the file and the line.
    /// </summary>
    public static long[][] ReadInputs(string path, int? expectedSize = null, IntType? type = null)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != "quanthdl-inputs 1")
            throw new MalformedFileException(path, 1, $"expected the header 'quanthdl-inputs 1'; write the file again with 'quanthdl compile'");
        var head = lines.Length > 1 ? lines[1].Split(' ') : [];
        if (head.Length != 4 || head[0] != "samples" || head[2] != "size"
            || !int.TryParse(head[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            || !int.TryParse(head[3], NumberStyles.None, CultureInfo.InvariantCulture, out int size))
            throw new MalformedFileException(path, 2, $"expected 'samples N size S', found '{Clip(lines.Length > 1 ? lines[1] : "")}'");
        if (expectedSize is { } want && size != want)
            throw new MalformedFileException(path, 2, $"frames of {size} values, the design takes {want}; compile again");
        if (lines.Length < 2 + n)
            throw new MalformedFileException(path, lines.Length + 1, $"{n} samples announced, {lines.Length - 2} present");
        if (lines.Length > 2 + n && lines.Skip(2 + n).Any(l => l.Length > 0))
            throw new MalformedFileException(path, 3 + n, $"text after the {n} samples announced on line 2");
        var xs = new long[n][];
        for (int i = 0; i < n; i++)
        {
            int line = 3 + i;
            xs[i] = ParseRow(lines[2 + i], path, line);
            if (xs[i].Length != size) throw new MalformedFileException(path, line, $"sample {i} has {xs[i].Length} values, expected {size}");
            if (type is not null)
                for (int k = 0; k < size; k++)
                    if (!type.Fits(xs[i][k]))
                        throw new MalformedFileException(path, line, $"value {k} of sample {i} is {xs[i][k]}, outside the input type {type} [{type.Min}, {type.Max}]");
        }
        return xs;
    }

    private static long[] ParseRow(string text, string path, int line)
    {
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var row = new long[fields.Length];
        for (int k = 0; k < fields.Length; k++)
            if (!long.TryParse(fields[k], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out row[k]))
                throw new MalformedFileException(path, line, $"value {k} '{Clip(fields[k])}' is not a decimal integer");
        return row;
    }

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "...";

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
