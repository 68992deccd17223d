using System.Text.RegularExpressions;

namespace QuantHdl.Models;

/// <summary>
/// A model as a graph of named layers with their shapes, checked completely when parsed: written as
/// <c>mlp:784-64-32-10</c>, <c>lenet5</c>, <c>cnn:c6k5-relu-mp2-...-fc10</c>, <c>resnet8</c> or a JSON
/// graph (docs/models.md). The nodes are in topological order; each names the nodes it reads in
/// <see cref="LayerNode.Inputs"/> (in a chain, the previous one), and the first may have none, reading
/// the network input.
/// </summary>
public sealed partial record ModelSpec(string Text, Shape Input, LayerNode[] Nodes)
{
    /// <summary>Largest layer width (channels or features) accepted.</summary>
    public const int MaxWidth = MlpSpec.MaxWidth;

    /// <summary>Largest convolution kernel accepted.</summary>
    public const int MaxKernel = 15;

    /// <summary>LeNet-5 for 28 x 28 inputs, as a <c>cnn:</c> spec.</summary>
    public const string LeNet5 = "cnn:c6k5-relu-mp2-c16k5-relu-mp2-fc120-relu-fc84-relu-fc10";

    private const string Grammar = "tokens joined by '-': cC kK [sS] [pP] [gG] (conv, e.g. c16k3p1), bn, relu, mpK, apK, gap, fcN";

    /// <summary>The output shape of the whole model.</summary>
    public Shape Output => Nodes[^1].OutShape;

    /// <summary>The logit count: the output features of the last layer, which is dense.</summary>
    public int Classes => Nodes[^1].OutShape.C;

    /// <summary>True when every layer is dense or ReLU (the model reads flat [N, features] batches).</summary>
    public bool IsMlp => Nodes.All(n => n.Layer is DenseSpec or ReluSpec);

    /// <summary>
    /// Parses and checks <paramref name="text"/> for samples of shape <paramref name="input"/>. Throws
    /// <see cref="ArgumentException"/> naming the bad token, node or the impossible shape. <c>resnet8</c> is
    /// <see cref="ResNet.ResNet8"/>; text starting with '{' is a <see cref="JsonModel"/>. An <c>mlp:</c> spec
    /// takes a flat input (<see cref="Shape.Flat"/> of the samples' features) and becomes dense layers
    /// <c>fc1</c>, <c>fc2</c>, ... with <c>relu1</c>, <c>relu2</c>, ... between them.
    /// </summary>
    public static ModelSpec Parse(string text, Shape input)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        if (t.Equals("lenet5", StringComparison.OrdinalIgnoreCase)) return Build(text, input, Tokens(LeNet5[4..], LeNet5));
        if (t.Equals(ResNet8, StringComparison.OrdinalIgnoreCase)) return ResNet.ResNet8(input);
        if (JsonModel.IsJson(t)) return JsonModel.Parse(t, input);
        if (t.StartsWith("cnn:", StringComparison.OrdinalIgnoreCase)) return Build(text, input, Tokens(t[4..], text));
        // An MLP reads its samples as one flat vector, whatever their shape.
        if (t.StartsWith("mlp:", StringComparison.OrdinalIgnoreCase)) return Build(text, Shape.Flat(checked((int)input.Features)), MlpLayers(t, input));
        throw new ArgumentException($"model spec '{text}' is unknown; use mlp:IN-H1-...-CLASSES (e.g. mlp:784-64-32-10), lenet5, resnet8, a JSON model (docs/models.md), or cnn:SPEC with {Grammar}");
    }

    private static List<LayerSpec> MlpLayers(string text, Shape input)
    {
        var sizes = MlpSpec.Parse(text).Sizes; // the one parser of mlp: sizes
        if (sizes[0] != input.Features)
            throw new ArgumentException($"model spec '{text}' takes {sizes[0]} inputs but the samples have {input.Features} ({input})");
        var layers = new List<LayerSpec>();
        for (int l = 1; l < sizes.Length; l++)
        {
            layers.Add(new DenseSpec(sizes[l]));
            if (l + 1 < sizes.Length) layers.Add(new ReluSpec());
        }
        return layers;
    }

    private static List<LayerSpec> Tokens(string body, string text)
    {
        if (body.Length == 0) throw new ArgumentException($"model spec '{text}' has no layers; {Grammar}");
        var layers = new List<LayerSpec>();
        foreach (var token in body.Split('-'))
            layers.Add(Token(token.Trim().ToLowerInvariant(), text));
        return layers;
    }

    private static LayerSpec Token(string tok, string text)
    {
        string Bad(string why) => $"model spec '{text}': token '{tok}' {why}";
        switch (tok)
        {
            case "bn": return new BatchNormSpec();
            case "relu": return new ReluSpec();
            case "gap": return new GlobalAvgPoolSpec();
        }
        var m = ConvToken().Match(tok);
        if (m.Success)
        {
            int Get(string g, int dflt) => m.Groups[g].Success ? Number(m.Groups[g].Value, tok, text) : dflt;
            int c = Get("c", 0), k = Get("k", 0), s = Get("s", 1), p = Get("p", 0), g = Get("g", 1);
            if (c < 1 || c > MaxWidth) throw new ArgumentException(Bad($"has {c} output channels; use 1..{MaxWidth}"));
            if (k < 1 || k > MaxKernel) throw new ArgumentException(Bad($"has kernel {k}; use 1..{MaxKernel}"));
            if (s < 1 || s > k) throw new ArgumentException(Bad($"has stride {s}; use 1..{k} (at most the kernel)"));
            if (p < 0 || p >= k) throw new ArgumentException(Bad($"has padding {p}; use 0..{k - 1} (below the kernel)"));
            if (g < 1) throw new ArgumentException(Bad($"has {g} groups; use 1 or more"));
            return new ConvSpec(c, k, s, p, g);
        }
        m = PoolToken().Match(tok);
        if (m.Success)
        {
            int k = Number(m.Groups["k"].Value, tok, text);
            if (k < 2 || k > MaxKernel) throw new ArgumentException(Bad($"has window {k}; use 2..{MaxKernel}"));
            return m.Groups["kind"].Value == "mp" ? new MaxPoolSpec(k) : new AvgPoolSpec(k);
        }
        m = DenseToken().Match(tok);
        if (m.Success)
        {
            int n = Number(m.Groups["n"].Value, tok, text);
            if (n < 1 || n > MaxWidth) throw new ArgumentException(Bad($"has {n} outputs; use 1..{MaxWidth}"));
            return new DenseSpec(n);
        }
        throw new ArgumentException(Bad($"is unknown; {Grammar}"));
    }

    private static int Number(string digits, string tok, string text) =>
        int.TryParse(digits, out int v) ? v : throw new ArgumentException($"model spec '{text}': token '{tok}' has a number '{digits}' that is too large");

    private static ModelSpec Build(string text, Shape input, List<LayerSpec> layers)
    {
        if (input.C < 1 || input.H < 1 || input.W < 1) throw new ArgumentException($"input shape {input} is not positive");
        var nodes = new List<LayerNode>();
        var counts = new Dictionary<string, int>();
        var shape = input;
        string? prev = null;
        for (int i = 0; i < layers.Count; i++)
        {
            var l = layers[i];
            if (l is BatchNormSpec && (i == 0 || layers[i - 1] is not ConvSpec))
                throw new ArgumentException($"model spec '{text}': 'bn' at position {i + 1} must follow a conv (it is folded into that conv)");
            try
            {
                shape = l.OutputShape(shape);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"model spec '{text}', position {i + 1}: {e.Message}");
            }
            if (shape.H < 1 || shape.W < 1)
                throw new ArgumentException($"model spec '{text}', position {i + 1}: layer '{l.Token}' leaves an empty {shape} output");
            string kind = l switch
            {
                ConvSpec => "conv",
                BatchNormSpec => "bn",
                ReluSpec => "relu",
                MaxPoolSpec or AvgPoolSpec => "pool",
                GlobalAvgPoolSpec => "gap",
                DenseSpec => "fc",
                _ => throw new ArgumentException($"layer kind {l.GetType().Name} has no node name"),
            };
            int n = counts[kind] = counts.GetValueOrDefault(kind) + 1;
            var name = $"{kind}{n}";
            nodes.Add(new LayerNode(name, prev is null ? [] : [prev], l, shape));
            prev = name;
        }
        if (layers[^1] is not DenseSpec)
            throw new ArgumentException($"model spec '{text}' must end with a dense logit layer fcN, not '{layers[^1].Token}'");
        return new ModelSpec(text, input, nodes.ToArray());
    }

    [GeneratedRegex(@"^c(?<c>\d+)k(?<k>\d+)(s(?<s>\d+))?(p(?<p>\d+))?(g(?<g>\d+))?$")]
    private static partial Regex ConvToken();

    [GeneratedRegex(@"^(?<kind>mp|ap)(?<k>\d+)$")]
    private static partial Regex PoolToken();

    [GeneratedRegex(@"^fc(?<n>\d+)$")]
    private static partial Regex DenseToken();

    /// <inheritdoc/>
    public override string ToString() => Text;
}
