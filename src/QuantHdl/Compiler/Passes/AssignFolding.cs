using QuantHdl.Compiler.Ir;

namespace QuantHdl.Compiler.Passes;

/// <summary>
/// Chooses SIMD x PE per dense and conv layer. Default: the slowest layer gets at most
/// <see cref="MaxMacsPerCycle"/> MACs per cycle; every other layer gets the smallest folding that
/// keeps it no slower than that, so the pipeline is balanced without wasting area. A conv layer runs
/// its matrix once per output pixel, and its SIMD must divide its input channels (a window beat holds
/// channels of one pixel, integer-semantics §7). Explicit overrides (layer name to folding) win. The
/// input stream gets its consumer's SIMD lanes, and a pool keeps its input's lanes.
/// </summary>
public sealed class AssignFolding(int maxMacsPerCycle = 64, IReadOnlyDictionary<string, Folding>? overrides = null) : IPass
{
    /// <summary>MAC budget of the largest layer.</summary>
    public int MaxMacsPerCycle { get; } = maxMacsPerCycle > 0
        ? maxMacsPerCycle
        : throw new ArgumentOutOfRangeException(nameof(maxMacsPerCycle), maxMacsPerCycle, "the MAC budget must be positive");

    /// <inheritdoc/>
    public string Name => "assign-folding";

    /// <summary>A layer's matrix: In x Out, run Pixels times per frame, SIMD dividing SimdDivisor.</summary>
    private readonly record struct Matrix(int In, int Out, long Pixels, int SimdDivisor);

    private static Matrix? MatrixOf(IrOp op) => op.Kind switch
    {
        OpKind.Dense => DenseMatrix((DenseOp)op),
        OpKind.Conv => ConvMatrix((ConvOp)op),
        OpKind.Input or OpKind.MaxPool or OpKind.AvgPool or OpKind.Add or OpKind.Fork => null,
    };

    private static Matrix DenseMatrix(DenseOp d) => new(d.In, d.Out, 1, d.In);

    private static Matrix ConvMatrix(ConvOp c) => new(c.Mvu.In, c.Mvu.Out, (long)c.OutH * c.OutW, c.InC);

    /// <summary>The folding of a layer with a matrix (<see cref="MatrixOf"/> not null); null for the other kinds.</summary>
    internal static Folding? FoldOf(IrOp op) => op.Kind switch
    {
        OpKind.Dense => ((DenseOp)op).Fold,
        OpKind.Conv => ((ConvOp)op).Mvu.Fold,
        OpKind.Input or OpKind.MaxPool or OpKind.AvgPool or OpKind.Add or OpKind.Fork => null,
    };

    /// <summary><paramref name="op"/> with its matrix folded by <paramref name="fold"/>; the other kinds have no matrix to fold.</summary>
    internal static IrOp WithFold(IrOp op, Folding fold) => op.Kind switch
    {
        OpKind.Dense => ((DenseOp)op) with { Fold = fold },
        OpKind.Conv => ((ConvOp)op) with { Mvu = ((ConvOp)op).Mvu with { Fold = fold } },
        OpKind.Input or OpKind.MaxPool or OpKind.AvgPool or OpKind.Add or OpKind.Fork => op,
    };

    /// <summary>Cycles per frame of a matrix at a folding: Pixels * (In/SIMD) * (Out/PE) (integer-semantics §6).</summary>
    private static long Cycles(Matrix m, Folding f) => m.Pixels * (m.In / f.Simd) * (m.Out / f.Pe);

    /// <inheritdoc/>
    public IrGraph Run(IrGraph graph)
    {
        var ov = overrides ?? new Dictionary<string, Folding>();
        var folded = graph.Nodes.Where(n => MatrixOf(n.Op) is not null).ToArray();
        foreach (var name in ov.Keys)
            if (!folded.Any(n => n.Name == name))
                throw new IrException($"folding override names '{name}', which is not a dense or conv layer; layers are {string.Join(", ", folded.Select(n => n.Name))}");
        long target = folded.Length == 0 ? 1 : folded.Max(n => Best(MatrixOf(n.Op)!.Value, MaxMacsPerCycle).Cycles);
        var nodes = graph.Nodes.ToArray();
        for (int i = 0; i < nodes.Length; i++)
        {
            if (MatrixOf(nodes[i].Op) is not Matrix m) continue;
            var fold = ov.TryGetValue(nodes[i].Name, out var f) ? f : Smallest(m, target, MaxMacsPerCycle);
            if (m.In % fold.Simd != 0 || m.Out % fold.Pe != 0 || m.SimdDivisor % fold.Simd != 0)
                throw new IrException(nodes[i].Op.Kind == OpKind.Conv
                    ? $"layer {nodes[i].Name}: folding {fold} does not fit; SIMD must divide the {m.SimdDivisor} input channels and PE the {m.Out} output channels"
                    : $"layer {nodes[i].Name}: folding {fold} does not divide {m.In}x{m.Out}; SIMD must divide In and PE must divide Out");
            nodes[i] = nodes[i] with
            {
                Op = WithFold(nodes[i].Op, fold),
                OutLanes = fold.Pe,
            };
        }
        for (int i = 0; i < nodes.Length; i++)
            nodes[i] = nodes[i].Op.Kind switch
            {
                // The input stream is as wide as its consumer's SIMD, so loading a frame takes In/SIMD beats.
                OpKind.Input => InputLanes(nodes, nodes[i]),
                // Pools and forks pass beats through at their input's width, and an add emits at its main
                // input's (nodes are in topological order); an add's shortcut is converted to that width.
                OpKind.MaxPool or OpKind.AvgPool or OpKind.Add or OpKind.Fork => nodes[i] with { OutLanes = nodes.First(n => n.Name == nodes[i].Inputs[0]).OutLanes },
                // A layer's lanes are its PE, set above.
                OpKind.Dense or OpKind.Conv => nodes[i],
            };
        return graph with { Nodes = nodes };
    }

    private static IrNode InputLanes(IrNode[] nodes, IrNode input)
    {
        var consumer = nodes.FirstOrDefault(n => n.Inputs.Contains(input.Name) && MatrixOf(n.Op) is not null);
        int lanes = (consumer is null ? null : FoldOf(consumer.Op))?.Simd ?? input.OutLanes;
        return input with { OutLanes = lanes };
    }

    /// <summary>
    /// Every folding the IR validator accepts for <paramref name="op"/>: SIMD divides In (and a conv's input channels),
    /// PE divides Out; ordered by SIMD x PE, then PE. Empty for the kinds without a matrix. The folding optimizer
    /// (Hardware/Folding) searches this set.
    /// </summary>
    internal static IReadOnlyList<Folding> LegalFoldings(IrOp op) =>
        MatrixOf(op) is Matrix m ? Candidates(m, int.MaxValue).OrderBy(f => (long)f.Simd * f.Pe).ThenBy(f => f.Pe).ToList() : [];

    private static IEnumerable<Folding> Candidates(Matrix m, int budget) =>
        from s in Divisors(m.In)
        where m.SimdDivisor % s == 0
        from p in Divisors(m.Out)
        where (long)s * p <= budget
        select new Folding(s, p);

    private static (Folding Fold, long Cycles) Best(Matrix m, int budget) =>
        Candidates(m, budget)
            .Select(f => (f, Cycles: Cycles(m, f)))
            .OrderBy(t => t.Cycles).ThenBy(t => t.f.Pe).First();

    private static Folding Smallest(Matrix m, long target, int budget)
    {
        var fits = Candidates(m, budget)
            .Where(f => Cycles(m, f) <= target)
            .OrderBy(f => f.Simd * f.Pe).ThenBy(f => f.Pe).ToList();
        return fits.Count > 0 ? fits[0] : Best(m, budget).Fold;
    }

    private static IEnumerable<int> Divisors(int n) => Enumerable.Range(1, n).Where(d => n % d == 0);
}
