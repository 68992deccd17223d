using QuantHdl.Compiler.Ir.Rules;

namespace QuantHdl.Compiler.Ir;

/// <summary>
/// Checks every invariant the simulator and the emitter rely on. Runs after freezing and after
/// every pass; throws <see cref="IrException"/> with a message that names the node.
/// </summary>
public static class IrValidator
{
    /// <summary>Largest supported activation width: the POST lane table has 2^a entries.</summary>
    public const int MaxActivationBits = 16;

    /// <summary>Throws on the first violated invariant.</summary>
    public static void Check(IrGraph g)
    {
        if (g.Format != "quanthdl-ir") throw new IrException($"format '{g.Format}' is not quanthdl-ir");
        if (g.Version != 1) throw new IrException($"ir version {g.Version} is not supported; this build reads version 1");
        if (g.Nodes is null || g.Nodes.Length < 2) throw new IrException($"graph '{g.Name}' needs an input node and at least one layer");
        var seen = new Dictionary<string, IrNode>();
        for (int idx = 0; idx < g.Nodes.Length; idx++)
        {
            var n = g.Nodes[idx] ?? throw new IrException($"node {idx} of graph '{g.Name}' is null");
            if (string.IsNullOrWhiteSpace(n.Name) || !IsIdentifier(n.Name))
                throw new IrException($"node {idx}: name '{n.Name}' is not a valid identifier ([A-Za-z_][A-Za-z0-9_]*)");
            if (seen.ContainsKey(n.Name)) throw new IrException($"node {n.Name}: duplicate name");
            if (n.OutType is null) throw new IrException($"node {n.Name}: missing output type");
            if (n.OutSize < 1) throw new IrException($"node {n.Name}: output size {n.OutSize} must be positive");
            if (n.OutLanes < 1 || n.OutSize % n.OutLanes != 0)
                throw new IrException($"node {n.Name}: {n.OutLanes} lanes per beat do not divide the output size {n.OutSize}");
            var inputs = n.Inputs ?? [];
            foreach (var i in inputs)
                if (!seen.ContainsKey(i)) throw new IrException($"node {n.Name}: input '{i}' is not an earlier node");
            var op = n.Op ?? throw new IrException($"node {n.Name}: missing op");
            if (!Enum.IsDefined(op.Kind)) throw new IrException($"node {n.Name}: op {op.GetType().Name} is not supported");
            RuleFor(op.Kind)(n, inputs.Select(i => seen[i]).ToArray(), idx);
            seen.Add(n.Name, n);
        }
        CheckOutput(g);
        CheckReaders(g);
    }

    /// <summary>
    /// The one dispatch of the validator: each op kind's rule lives in <c>Compiler/Ir/Rules/&lt;Kind&gt;Rule.cs</c>.
    /// </summary>
    internal static NodeRule RuleFor(OpKind kind) => kind switch
    {
        OpKind.Input => InputRule.Check,
        OpKind.Dense => DenseRule.Check,
        OpKind.Conv => ConvRule.Check,
        OpKind.MaxPool => MaxPoolRule.Check,
        OpKind.AvgPool => AvgPoolRule.Check,
        OpKind.Add => AddRule.Check,
        OpKind.Fork => ForkRule.Check,
    };

    /// <summary>
    /// A stream has one reader: a node read by several is a fork, whose branches name exactly its readers,
    /// and every node but the output is read (nothing dangles).
    /// </summary>
    private static void CheckReaders(IrGraph g)
    {
        var readers = g.Nodes.ToDictionary(n => n.Name, _ => new List<string>());
        foreach (var n in g.Nodes)
            foreach (var i in n.Inputs ?? [])
                readers[i].Add(n.Name);
        foreach (var n in g.Nodes)
        {
            var r = readers[n.Name];
            if (n.Op.Kind == OpKind.Fork)
            {
                var branches = ((ForkOp)n.Op).Branches.Select(b => b.Consumer).Order(StringComparer.Ordinal);
                if (!branches.SequenceEqual(r.Order(StringComparer.Ordinal)))
                    throw new IrException($"fork {n.Name}: its branches go to {string.Join(", ", branches)} but it is read by {(r.Count == 0 ? "nothing" : string.Join(", ", r))}");
            }
            else if (r.Count > 1)
                throw new IrException($"node {n.Name}: read by {string.Join(", ", r)}; a stream with several readers needs a fork");
            else if (r.Count == 0 && n.Name != g.Output)
                throw new IrException($"node {n.Name}: nothing reads its output (only the output node '{g.Output}' may dangle)");
        }
    }

    /// <summary>
    /// The declared output is the last node (nothing consumes it), and it is a logit layer: a dense
    /// layer with a signed output type and one logit per class.
    /// </summary>
    private static void CheckOutput(IrGraph g)
    {
        if (string.IsNullOrWhiteSpace(g.Output)) throw new IrException($"graph '{g.Name}' declares no output node");
        var last = g.Nodes[^1];
        if (g.Output != last.Name)
        {
            string what = g.Nodes.Any(n => n.Name == g.Output) ? "is not the last node" : "is not a node of the graph";
            throw new IrException($"graph '{g.Name}': declared output '{g.Output}' {what}; the last node is '{last.Name}' (was a node deleted or reordered?)");
        }
        if (g.Classes < 1) throw new IrException($"graph '{g.Name}': {g.Classes} classes; the output needs at least one logit");
        if (last.Op.Kind != OpKind.Dense || !last.OutType.Signed)
            throw new IrException($"graph '{g.Name}': output '{last.Name}' is not a logit layer (a dense layer with signed outputs; hidden layers are unsigned); was the logit layer deleted?");
        if (last.OutSize != g.Classes)
            throw new IrException($"graph '{g.Name}': output '{last.Name}' has {last.OutSize} logits but the graph declares {g.Classes} classes");
    }

    private static bool IsIdentifier(string s) =>
        (char.IsAsciiLetter(s[0]) || s[0] == '_') && s.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_');
}
