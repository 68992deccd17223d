namespace QuantHdl.Models;

/// <summary>One node of a model graph as written, before it is checked: its name, layer and the names it reads (empty: the previous node).</summary>
public sealed record GraphNodeText(string Name, LayerSpec Layer, string[] Inputs);

public sealed partial record ModelSpec
{
    /// <summary>The name by which a node reads the network input.</summary>
    public const string InputName = "input";

    /// <summary>ResNet-8 for 28 x 28 inputs (docs/models.md "resnet8").</summary>
    public const string ResNet8 = "resnet8";

    /// <summary>
    /// True when every node reads only the node before it (the first: the network input), as every
    /// <c>mlp:</c>, <c>lenet5</c> and <c>cnn:</c> model does.
    /// </summary>
    public bool IsChain => Nodes.Select((n, i) => n.Inputs.Length == 0 ? i == 0 : n.Inputs.Length == 1 && i > 0 && n.Inputs[0] == Nodes[i - 1].Name).All(b => b);

    /// <summary>The names of the nodes each node's output is read by (the network input under <see cref="InputName"/>).</summary>
    public IReadOnlyDictionary<string, string[]> Readers()
    {
        var readers = Nodes.ToDictionary(n => n.Name, _ => new List<string>());
        readers[InputName] = [];
        foreach (var n in Nodes)
            foreach (var i in SourcesOf(n)) readers[i].Add(n.Name);
        return readers.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
    }

    /// <summary>The names <paramref name="n"/> reads: its <see cref="LayerNode.Inputs"/>, or <see cref="InputName"/> when it has none (only the first node can have none).</summary>
    public static string[] SourcesOf(LayerNode n) => n.Inputs.Length == 0 ? [InputName] : n.Inputs;

    /// <summary>
    /// Checks a graph of named nodes and puts it in topological order (keeping the written order where
    /// it already is one). Throws <see cref="ArgumentException"/> naming the node for: a duplicate or
    /// malformed name, an input that names no node, a cycle, a layer with the wrong number of inputs
    /// (an add reads two, every other layer one), an add of two differently shaped edges or of the same
    /// edge twice, an impossible shape, a <c>bn</c> that does not read a conv no other node reads, a node
    /// whose output nothing reads (other than the last), and a last node that is not dense.
    /// </summary>
    public static ModelSpec FromGraph(string text, Shape input, IReadOnlyList<GraphNodeText> written)
    {
        if (input.C < 1 || input.H < 1 || input.W < 1) throw new ArgumentException($"input shape {input} is not positive");
        if (written.Count == 0) throw new ArgumentException($"model '{Label(text)}' has no nodes");
        var byName = new Dictionary<string, int>();
        var inputs = new string[written.Count][];
        for (int i = 0; i < written.Count; i++)
        {
            var n = written[i];
            if (!ValidName(n.Name))
                throw new ArgumentException($"model '{Label(text)}', node {i + 1}: name '{n.Name}' must be a letter followed by letters, digits or '_' (at most 64)");
            if (n.Name == InputName) throw new ArgumentException($"model '{Label(text)}', node {i + 1}: the name '{InputName}' is the network input's");
            if (!byName.TryAdd(n.Name, i)) throw new ArgumentException($"model '{Label(text)}': node name '{n.Name}' is used twice");
            inputs[i] = n.Inputs.Length > 0 ? n.Inputs : [i == 0 ? InputName : written[i - 1].Name];
        }
        for (int i = 0; i < written.Count; i++)
        {
            var n = written[i];
            int arity = n.Layer is AddSpec ? 2 : 1;
            if (inputs[i].Length != arity)
                throw new ArgumentException($"model '{Label(text)}': node '{n.Name}' ({n.Layer.Token}) reads {inputs[i].Length} inputs; it takes {arity}");
            foreach (var src in inputs[i])
                if (src != InputName && !byName.ContainsKey(src))
                    throw new ArgumentException($"model '{Label(text)}': node '{n.Name}' reads '{src}', which is no node (nor '{InputName}')");
            if (arity == 2 && inputs[i][0] == inputs[i][1])
                throw new ArgumentException($"model '{Label(text)}': node '{n.Name}' adds '{inputs[i][0]}' to itself; an add reads two different nodes");
        }
        var order = TopologicalOrder(text, written, inputs, byName);

        var shapes = new Dictionary<string, Shape> { [InputName] = input };
        var nodes = new List<LayerNode>();
        var readers = new Dictionary<string, int>();
        foreach (var i in order)
        {
            var n = written[i];
            var srcs = inputs[i];
            foreach (var s in srcs) readers[s] = readers.GetValueOrDefault(s) + 1;
            var x = shapes[srcs[0]];
            if (n.Layer is AddSpec && shapes[srcs[1]] != x)
                throw new ArgumentException($"model '{Label(text)}': add '{n.Name}' adds '{srcs[0]}' of shape {x.Text} to '{srcs[1]}' of shape {shapes[srcs[1]].Text}; both must have the same shape");
            if (n.Layer is BatchNormSpec && (srcs[0] == InputName || written[byName[srcs[0]]].Layer is not ConvSpec))
                throw new ArgumentException($"model '{Label(text)}': bn '{n.Name}' reads '{srcs[0]}', which is not a conv (a bn is folded into the conv it reads)");
            Shape y;
            try
            {
                y = n.Layer.OutputShape(x);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"model '{Label(text)}', node '{n.Name}': {e.Message}");
            }
            if (y.H < 1 || y.W < 1)
                throw new ArgumentException($"model '{Label(text)}', node '{n.Name}': layer '{n.Layer.Token}' leaves an empty {y} output");
            shapes[n.Name] = y;
            // As in a chain, the first node reading the network input has no inputs; every other source is named.
            bool implicitInput = nodes.Count == 0 && srcs is [InputName];
            nodes.Add(new LayerNode(n.Name, implicitInput ? [] : srcs, n.Layer, y));
        }
        foreach (var n in nodes)
        {
            if (n.Layer is not BatchNormSpec) continue;
            var conv = SourcesOf(n)[0];
            if (readers[conv] != 1)
                throw new ArgumentException($"model '{Label(text)}': conv '{conv}' is read by {readers[conv]} nodes; its bn '{n.Name}' must be its only reader (the bn is folded into it)");
        }
        foreach (var n in nodes.Take(nodes.Count - 1))
            if (!readers.ContainsKey(n.Name))
                throw new ArgumentException($"model '{Label(text)}': the output of node '{n.Name}' is read by no node; only the last node's output leaves the network");
        if (nodes[^1].Layer is not DenseSpec)
            throw new ArgumentException($"model '{Label(text)}' must end with a dense logit layer, not node '{nodes[^1].Name}' ({nodes[^1].Layer.Token})");
        return new ModelSpec(text, input, nodes.ToArray());
    }

    /// <summary>The spec text shortened for messages: a JSON model is named by its "name" field when it has one.</summary>
    public static string Label(string text)
    {
        var t = text.Trim();
        if (!t.StartsWith('{')) return t;
        return JsonModel.NameOf(t) is string name ? $"{name} (JSON)" : "JSON model";
    }

    private static bool ValidName(string name) =>
        name.Length is > 0 and <= 64 && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>Kahn's order, taking the earliest written ready node first; names a node on a cycle when there is one.</summary>
    private static List<int> TopologicalOrder(string text, IReadOnlyList<GraphNodeText> written, string[][] inputs, Dictionary<string, int> byName)
    {
        int count = written.Count;
        var pending = new int[count];
        var readersOf = new List<int>[count];
        for (int i = 0; i < count; i++) readersOf[i] = [];
        for (int i = 0; i < count; i++)
            foreach (var s in inputs[i].Distinct())
                if (s != InputName) { pending[i]++; readersOf[byName[s]].Add(i); }
        var ready = new SortedSet<int>(Enumerable.Range(0, count).Where(i => pending[i] == 0));
        var order = new List<int>();
        while (ready.Count > 0)
        {
            int i = ready.Min;
            ready.Remove(i);
            order.Add(i);
            foreach (var r in readersOf[i])
                if (--pending[r] == 0) ready.Add(r);
        }
        if (order.Count < count)
        {
            // Walk back from a node left over along left-over inputs until a node repeats: that loop is a cycle.
            int at = Enumerable.Range(0, count).First(i => pending[i] > 0);
            var seen = new List<int>();
            while (!seen.Contains(at))
            {
                seen.Add(at);
                at = inputs[at].Where(s => s != InputName).Select(s => byName[s]).First(j => pending[j] > 0);
            }
            // In data-flow order, starting and ending at the node named.
            var loop = seen.Skip(seen.IndexOf(at)).Reverse().Select(j => written[j].Name).ToList();
            int k = loop.IndexOf(written[at].Name);
            loop = [.. loop.Skip(k), .. loop.Take(k), written[at].Name];
            throw new ArgumentException($"model '{Label(text)}': node '{written[at].Name}' is on a cycle: {string.Join(" -> ", loop)}");
        }
        return order;
    }
}
