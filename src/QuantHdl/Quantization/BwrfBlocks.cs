using System.Text.RegularExpressions;
using QuantHdl.Models;

namespace QuantHdl.Quantization;

/// <summary>
/// Splits a BN-free model into the consecutive blocks of block-wise replacement (docs/bwrf.md "Blocks"). A
/// block ends after a node <c>j</c> that is a cut: no later node reads anything before <c>j</c>, so node
/// <c>j</c>'s output is the only value crossing. The default split:
/// <list type="bullet">
/// <item>a chain (<c>mlp:</c>, <c>lenet5</c>, <c>cnn:</c>): each conv or dense layer with the ReLUs and pools after it;</item>
/// <item>a graph named like <see cref="ResNet"/> (<c>resnet8</c>, or JSON nodes <c>sSbB_*</c>): one block per
/// stage, the stem in the first and the pooling and logit layer in the last;</item>
/// <item>any other graph: refused; name the block ends with <c>--bwrf-blocks</c>.</item>
/// </list>
/// </summary>
public static partial class BwrfBlocks
{
    /// <summary>
    /// The indices of the nodes that end a block, ascending; the last node always ends the last block and
    /// is not listed. <paramref name="ends"/> names them (any order), or is null for the default split.
    /// Throws <see cref="ArgumentException"/> naming the bad node, or when the split leaves one block.
    /// </summary>
    public static int[] Cuts(ModelSpec spec, IReadOnlyList<string>? ends = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var nodes = spec.Nodes;
        var index = nodes.Select((n, i) => (n.Name, i)).ToDictionary(p => p.Name, p => p.i);
        int[] cuts;
        if (ends is not null)
        {
            var list = new List<int>();
            foreach (var name in ends)
            {
                if (!index.TryGetValue(name, out int j))
                    throw new ArgumentException($"--bwrf-blocks: '{name}' is no node of {ModelSpec.Label(spec.Text)}; its nodes are {string.Join(", ", nodes.Select(n => n.Name))}");
                if (j == nodes.Length - 1) throw new ArgumentException($"--bwrf-blocks: '{name}' is the last node; it ends the last block already, name the nodes before it that end blocks");
                if (list.Contains(j)) throw new ArgumentException($"--bwrf-blocks: '{name}' is named twice");
                if (Crossing(spec, index, j) is string reader)
                    throw new ArgumentException($"--bwrf-blocks: the net cannot be cut after '{name}': node {reader} reads a value from before it, so more than '{name}''s output would cross the cut");
                list.Add(j);
            }
            cuts = list.Order().ToArray();
        }
        else if (spec.IsChain)
        {
            cuts = Enumerable.Range(1, nodes.Length - 1).Where(i => nodes[i].Layer is ConvSpec or DenseSpec).Select(i => i - 1).ToArray();
        }
        else if (nodes.Any(n => StageName().IsMatch(n.Name)))
        {
            // The node before each stage's first node (its block 1's first conv), for stages after the first.
            var firstOfStage = new Dictionary<int, int>();
            for (int i = 0; i < nodes.Length; i++)
                if (StageName().Match(nodes[i].Name) is { Success: true } m)
                    firstOfStage.TryAdd(int.Parse(m.Groups["s"].Value), i);
            cuts = firstOfStage.Where(kv => kv.Value > 0 && kv.Key != firstOfStage.Keys.Min()).Select(kv => kv.Value - 1).Order().ToArray();
            foreach (var j in cuts)
                if (Crossing(spec, index, j) is string reader)
                    throw new ArgumentException($"{ModelSpec.Label(spec.Text)}: the stage boundary after node '{nodes[j].Name}' is no cut (node {reader} reads across it); name the block ends with --bwrf-blocks");
        }
        else
        {
            throw new ArgumentException($"{ModelSpec.Label(spec.Text)} is a graph without ResNet stage names (sSbB_*); name the nodes that end its blocks with --bwrf-blocks NODE,NODE (each a node whose output is the only value crossing)");
        }
        if (cuts.Length == 0)
            throw new ArgumentException($"BWRF needs at least two blocks, and {ModelSpec.Label(spec.Text)} splits into one; use a model with two weight layers or more, or name block ends with --bwrf-blocks");
        return cuts;
    }

    /// <summary>The node names of each block, in order, for the cuts <paramref name="cuts"/>.</summary>
    public static string[][] Names(ModelSpec spec, IReadOnlyList<int> cuts)
    {
        var bounds = cuts.Append(spec.Nodes.Length - 1).ToArray();
        int start = 0;
        var blocks = new string[bounds.Length][];
        for (int b = 0; b < bounds.Length; b++)
        {
            blocks[b] = spec.Nodes.Skip(start).Take(bounds[b] - start + 1).Select(n => n.Name).ToArray();
            start = bounds[b] + 1;
        }
        return blocks;
    }

    /// <summary>A node after <paramref name="j"/> that reads something before it (the network input counts), or null when <paramref name="j"/> is a cut.</summary>
    private static string? Crossing(ModelSpec spec, Dictionary<string, int> index, int j)
    {
        for (int k = j + 1; k < spec.Nodes.Length; k++)
            foreach (var s in ModelSpec.SourcesOf(spec.Nodes[k]))
                if (s == ModelSpec.InputName || index[s] < j) return spec.Nodes[k].Name;
        return null;
    }

    [GeneratedRegex(@"^s(?<s>\d+)b(?<b>\d+)_")]
    private static partial Regex StageName();
}
