using System.Text.Json;

namespace QuantHdl.Models;

/// <summary>
/// A model graph written as JSON (docs/models.md "JSON models"): an object with an optional
/// <c>"name"</c> and a <c>"nodes"</c> array; each node has a <c>"name"</c>, an <c>"op"</c>, the op's
/// fields and optionally <c>"inputs"</c> (the names it reads; left out, the previous node, or the
/// network input for the first). Parsing is strict: unknown fields, wrong types, missing fields and
/// out-of-range values are refused naming the node; the graph checks are <see cref="ModelSpec.FromGraph"/>'s.
/// </summary>
public static class JsonModel
{
    private static readonly Dictionary<string, string[]> Fields = new()
    {
        ["conv"] = ["out", "k", "stride", "pad", "groups"],
        ["bn"] = [],
        ["relu"] = [],
        ["maxpool"] = ["k"],
        ["avgpool"] = ["k"],
        ["gap"] = [],
        ["dense"] = ["out"],
        ["add"] = [],
    };

    /// <summary>True when <paramref name="text"/> is a JSON model (it starts with '{').</summary>
    public static bool IsJson(string text) => text.TrimStart().StartsWith('{');

    /// <summary>The model's "name" field, or null when there is none or the text is not a JSON object.</summary>
    public static string? NameOf(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Parses and checks <paramref name="text"/> for samples of shape <paramref name="input"/>; throws <see cref="ArgumentException"/> naming the bad part.</summary>
    public static ModelSpec Parse(string text, Shape input)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"JSON model: not valid JSON: {e.Message}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ArgumentException("JSON model: the top level must be an object with \"nodes\"");
            JsonElement? nodesEl = null;
            foreach (var p in root.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "name":
                        if (p.Value.ValueKind != JsonValueKind.String) throw new ArgumentException("JSON model: \"name\" must be a string");
                        break;
                    case "nodes": nodesEl = p.Value; break;
                    default: throw new ArgumentException($"JSON model: unknown top-level field \"{p.Name}\"; use \"name\" and \"nodes\"");
                }
            }
            if (nodesEl is not JsonElement nodes || nodes.ValueKind != JsonValueKind.Array)
                throw new ArgumentException("JSON model: \"nodes\" must be an array of node objects");
            var list = new List<GraphNodeText>();
            int index = 0;
            foreach (var n in nodes.EnumerateArray()) list.Add(Node(n, ++index));
            return ModelSpec.FromGraph(text, input, list);
        }
    }

    private static GraphNodeText Node(JsonElement n, int index)
    {
        string where = $"JSON model, node {index}";
        if (n.ValueKind != JsonValueKind.Object) throw new ArgumentException($"{where}: must be an object");
        string? name = null, op = null;
        string[] inputs = [];
        var values = new Dictionary<string, int>();
        if (n.TryGetProperty("name", out var nameEl))
        {
            if (nameEl.ValueKind != JsonValueKind.String) throw new ArgumentException($"{where}: \"name\" must be a string");
            name = nameEl.GetString()!;
            where = $"JSON model, node '{name}'";
        }
        foreach (var p in n.EnumerateObject())
        {
            switch (p.Name)
            {
                case "name": break;
                case "op":
                    if (p.Value.ValueKind != JsonValueKind.String) throw new ArgumentException($"{where}: \"op\" must be a string");
                    op = p.Value.GetString();
                    break;
                case "inputs":
                    if (p.Value.ValueKind != JsonValueKind.Array || p.Value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
                        throw new ArgumentException($"{where}: \"inputs\" must be an array of node names");
                    inputs = p.Value.EnumerateArray().Select(e => e.GetString()!).ToArray();
                    if (inputs.Length == 0) throw new ArgumentException($"{where}: \"inputs\" is empty; leave it out to read the previous node");
                    break;
                default:
                    if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int v))
                        throw new ArgumentException($"{where}: field \"{p.Name}\" must be an integer");
                    values[p.Name] = v;
                    break;
            }
        }
        if (name is null) throw new ArgumentException($"{where}: has no \"name\"");
        if (op is null) throw new ArgumentException($"{where}: has no \"op\"; use one of {string.Join(", ", Fields.Keys)}");
        if (!Fields.TryGetValue(op, out var allowed)) throw new ArgumentException($"{where}: op \"{op}\" is unknown; use one of {string.Join(", ", Fields.Keys)}");
        foreach (var f in values.Keys)
            if (!allowed.Contains(f))
                throw new ArgumentException($"{where}: op \"{op}\" has no field \"{f}\"" + (allowed.Length > 0 ? $"; its fields are {string.Join(", ", allowed)}" : "; it takes none besides name and inputs"));
        int Get(string f, int? dflt, int lo, int hi)
        {
            int v = values.TryGetValue(f, out int x) ? x : dflt ?? throw new ArgumentException($"{where}: op \"{op}\" needs field \"{f}\"");
            if (v < lo || v > hi) throw new ArgumentException($"{where}: \"{f}\" is {v}; use {lo}..{hi}");
            return v;
        }
        LayerSpec layer;
        switch (op)
        {
            case "conv":
            {
                int k = Get("k", null, 1, ModelSpec.MaxKernel);
                layer = new ConvSpec(Get("out", null, 1, ModelSpec.MaxWidth), k, Get("stride", 1, 1, Math.Max(k, 2)), Get("pad", 0, 0, k - 1), Get("groups", 1, 1, ModelSpec.MaxWidth));
                break;
            }
            case "bn": layer = new BatchNormSpec(); break;
            case "relu": layer = new ReluSpec(); break;
            case "maxpool": layer = new MaxPoolSpec(Get("k", null, 2, ModelSpec.MaxKernel)); break;
            case "avgpool": layer = new AvgPoolSpec(Get("k", null, 2, ModelSpec.MaxKernel)); break;
            case "gap": layer = new GlobalAvgPoolSpec(); break;
            case "dense": layer = new DenseSpec(Get("out", null, 1, ModelSpec.MaxWidth)); break;
            case "add": layer = new AddSpec(); break;
            default: throw new ArgumentException($"{where}: op \"{op}\" has no layer");
        }
        return new GraphNodeText(name, layer, inputs);
    }
}
