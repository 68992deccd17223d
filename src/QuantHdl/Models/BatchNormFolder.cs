using QuantHdl.Engine.Nn;

namespace QuantHdl.Models;

/// <summary>
/// Static batch-norm folding (docs/models.md, "Batch-norm folding"): every conv followed by a BN becomes
/// one conv with <c>W' = W * gamma / sqrt(var + eps)</c> per output channel and
/// <c>b' = beta + (b - mean) * gamma / sqrt(var + eps)</c>, from the running statistics. The folded
/// network computes the original one in eval mode; it has no BN node, so neither has the integer model.
/// </summary>
public static class BatchNormFolder
{
    /// <summary>
    /// The BN-free spec: the same nodes, names and shapes without the <c>bn</c> nodes; a node that read a
    /// bn reads its conv instead. A chain keeps the <c>cnn:</c> text of its remaining layers; a graph keeps its text.
    /// </summary>
    public static ModelSpec FoldSpec(ModelSpec spec)
    {
        if (!spec.Nodes.Any(n => n.Layer is BatchNormSpec)) return spec;
        if (spec.IsChain)
        {
            var kept = new List<LayerNode>();
            string? prev = null;
            foreach (var n in spec.Nodes)
            {
                if (n.Layer is BatchNormSpec) continue;
                kept.Add(n with { Inputs = prev is null ? [] : [prev] });
                prev = n.Name;
            }
            var text = "cnn:" + string.Join("-", kept.Select(n => n.Layer.Token));
            return new ModelSpec(text, spec.Input, kept.ToArray());
        }
        // A bn reads exactly its conv (ModelSpec.FromGraph checks it), so its readers read the conv.
        var conv = spec.Nodes.Where(n => n.Layer is BatchNormSpec).ToDictionary(n => n.Name, n => ModelSpec.SourcesOf(n)[0]);
        var graph = spec.Nodes.Where(n => n.Layer is not BatchNormSpec)
            .Select(n => new GraphNodeText(n.Name, n.Layer, ModelSpec.SourcesOf(n).Select(s => conv.GetValueOrDefault(s, s)).ToArray()))
            .ToList();
        return ModelSpec.FromGraph(spec.Text, spec.Input, graph);
    }

    /// <summary>Folds every BN of <paramref name="g"/> into its conv; <paramref name="g"/> is not changed.</summary>
    public static LayerGraph Fold(LayerGraph g)
    {
        var folded = new LayerGraph(FoldSpec(g.Spec), new Random(0));
        var target = folded.Nodes.ToDictionary(n => n.Node.Name, n => n.Module);
        var nodes = g.Nodes;
        // Each bn by the conv it reads.
        var bnOf = nodes.Where(n => n.Module is BatchNorm2d).ToDictionary(n => ModelSpec.SourcesOf(n.Node)[0], n => (BatchNorm2d)n.Module);
        for (int i = 0; i < nodes.Count; i++)
        {
            var (node, m) = nodes[i];
            if (m is BatchNorm2d) continue;
            var dst = target[node.Name];
            if (m is Conv2d conv && bnOf.TryGetValue(node.Name, out var bn))
            {
                FoldInto(conv, bn, (Conv2d)dst);
                continue;
            }
            var src = m.NamedParameters().Concat(m.NamedBuffers()).ToArray();
            var dstTensors = dst.NamedParameters().Concat(dst.NamedBuffers()).ToDictionary(p => p.Name, p => p.Item2);
            foreach (var (name, t) in src) t.Data.AsSpan(0, t.Numel).CopyTo(dstTensors[name].Data);
        }
        folded.Train(g.Training);
        return folded;
    }

    private static void FoldInto(Conv2d conv, BatchNorm2d bn, Conv2d dst)
    {
        if (dst.Bias is null) throw new InvalidOperationException($"folded conv has no bias to take the batch norm's shift");
        int co = conv.OutChannels;
        int per = conv.Weight.Numel / co;
        for (int o = 0; o < co; o++)
        {
            double inv = bn.Weight.Data[o] / Math.Sqrt(bn.RunningVar.Data[o] + (double)bn.Eps);
            for (int j = 0; j < per; j++) dst.Weight.Data[o * per + j] = (float)(conv.Weight.Data[o * per + j] * inv);
            double b = conv.Bias is null ? 0 : conv.Bias.Data[o];
            dst.Bias.Data[o] = (float)(bn.Bias.Data[o] + (b - bn.RunningMean.Data[o]) * inv);
        }
    }
}
