using QuantHdl.Ir;

namespace QuantHdl.Passes;

/// <summary>
/// Chooses SIMD x PE per dense layer. Default: the largest layer gets at most
/// <see cref="MaxMacsPerCycle"/> MACs per cycle; every other layer gets the smallest folding that
/// keeps it no slower than that, so the pipeline is balanced without wasting area.
/// Explicit overrides (layer name to folding) win. The input stream gets its consumer's SIMD lanes.
/// </summary>
public sealed class AssignFolding(int maxMacsPerCycle = 64, IReadOnlyDictionary<string, Folding>? overrides = null) : IPass
{
    /// <summary>MAC budget of the largest layer.</summary>
    public int MaxMacsPerCycle { get; } = maxMacsPerCycle > 0
        ? maxMacsPerCycle
        : throw new ArgumentOutOfRangeException(nameof(maxMacsPerCycle), maxMacsPerCycle, "the MAC budget must be positive");

    /// <inheritdoc/>
    public string Name => "assign-folding";

    /// <inheritdoc/>
    public IrGraph Run(IrGraph graph)
    {
        var ov = overrides ?? new Dictionary<string, Folding>();
        foreach (var name in ov.Keys)
            if (!graph.Nodes.Any(n => n.Name == name && n.Op is DenseOp))
                throw new IrException($"folding override names '{name}', which is not a dense layer; layers are {string.Join(", ", graph.Nodes.Where(n => n.Op is DenseOp).Select(n => n.Name))}");
        var dense = graph.Nodes.Select(n => n.Op).OfType<DenseOp>().ToArray();
        long target = dense.Length == 0 ? 1 : dense.Max(d => Best(d.In, d.Out, MaxMacsPerCycle).Cycles);
        var nodes = graph.Nodes.ToArray();
        for (int i = 0; i < nodes.Length; i++)
        {
            if (nodes[i].Op is not DenseOp d) continue;
            var fold = ov.TryGetValue(nodes[i].Name, out var f) ? f : Smallest(d.In, d.Out, target, MaxMacsPerCycle);
            if (d.In % fold.Simd != 0 || d.Out % fold.Pe != 0)
                throw new IrException($"layer {nodes[i].Name}: folding {fold} does not divide {d.In}x{d.Out}; SIMD must divide In and PE must divide Out");
            nodes[i] = nodes[i] with { Op = d with { Fold = fold }, OutLanes = fold.Pe };
        }
        // The input stream is as wide as its consumer's SIMD, so loading a frame takes In/SIMD beats.
        for (int i = 0; i < nodes.Length; i++)
        {
            if (nodes[i].Op is not InputOp inp) continue;
            var consumer = nodes.FirstOrDefault(n => n.Inputs.Contains(nodes[i].Name) && n.Op is DenseOp);
            if (consumer?.Op is DenseOp cd)
                nodes[i] = nodes[i] with { Op = inp with { Lanes = cd.Fold.Simd }, OutLanes = cd.Fold.Simd };
        }
        return graph with { Nodes = nodes };
    }

    private static IEnumerable<Folding> Candidates(int inSize, int outSize, int budget) =>
        from s in Divisors(inSize)
        from p in Divisors(outSize)
        where (long)s * p <= budget
        select new Folding(s, p);

    private static (Folding Fold, long Cycles) Best(int inSize, int outSize, int budget) =>
        Candidates(inSize, outSize, budget)
            .Select(f => (f, Cycles: (long)(inSize / f.Simd) * (outSize / f.Pe)))
            .OrderBy(t => t.Cycles).ThenBy(t => t.f.Pe).First();

    private static Folding Smallest(int inSize, int outSize, long target, int budget)
    {
        var fits = Candidates(inSize, outSize, budget)
            .Where(f => (long)(inSize / f.Simd) * (outSize / f.Pe) <= target)
            .OrderBy(f => f.Simd * f.Pe).ThenBy(f => f.Pe).ToList();
        return fits.Count > 0 ? fits[0] : Best(inSize, outSize, budget).Fold;
    }

    private static IEnumerable<int> Divisors(int n) => Enumerable.Range(1, n).Where(d => n % d == 0);
}
