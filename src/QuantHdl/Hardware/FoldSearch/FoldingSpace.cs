using QuantHdl.Compiler.Ir;
using QuantHdl.Compiler.Passes;
using QuantHdl.Hardware.Estimates;

namespace QuantHdl.Hardware.FoldSearch;

/// <summary>
/// The search space of the folding optimizer over one graph (docs/estimation.md, "Folding optimizer"): per dense or
/// conv layer its legal foldings, and the estimator's cost and cycles of every node as a function of the folds it
/// depends on. A node's estimate reads only the node and its input's lanes, and every stream's lanes are set by one
/// layer (a layer's PE; the input's by its first layer's SIMD; pools, adds and forks pass their input's), so the cost
/// is a sum over a tree of layers: <see cref="Solve"/> finds the cheapest folding under an interval by dynamic
/// programming over that tree. Adds and forks set no cost here (an add's shortcut converter depends on two layers, a
/// fork's FIFOs on every branch's folding); their cycles do bound the interval. Read-only: the graph is never changed.
/// </summary>
internal sealed class FoldingSpace
{
    private const long Infinite = long.MaxValue / 4;

    /// <summary>Who sets a stream's lanes: layer <c>Layer</c>'s SIMD or PE, or nobody (-1, the graph's lanes).</summary>
    private readonly record struct LaneSource(int Layer, bool ViaSimd);

    private readonly IrNode[] _nodes;
    private readonly int[] _layerNode;            // layer index -> node index
    private readonly Folding[][] _candidates;     // per layer
    private readonly long[][] _cycles;            // per layer and candidate: the layer's and its passing nodes' cycles
    private readonly long[][] _own;               // per layer and candidate: the passing nodes' LUTs
    private readonly long[][][] _edge;            // per layer, candidate, and candidate of its lane source: the layer's LUTs
    private readonly int[] _parent;               // per layer: the layer setting its input's lanes, or -1
    private readonly List<int>[] _children;
    private readonly long _fixedLut, _fixedCycles;

    /// <summary>
    /// The space of <paramref name="graph"/>, a graph whose accumulator widths are set and whose layers are legally
    /// folded (any folding: it only supplies the lanes of nodes no layer sets). A layer in <paramref name="pinned"/>
    /// keeps that folding.
    /// </summary>
    public FoldingSpace(IrGraph graph, FpgaFamily family, IReadOnlyDictionary<string, Folding> pinned)
    {
        _nodes = graph.Nodes;
        var index = _nodes.Select((n, i) => (n.Name, i)).ToDictionary(x => x.Name, x => x.i);
        _layerNode = Enumerable.Range(0, _nodes.Length).Where(i => AssignFolding.FoldOf(_nodes[i].Op) is not null).ToArray();
        var layerOf = _layerNode.Select((node, l) => (node, l)).ToDictionary(x => x.node, x => x.l);
        int L = _layerNode.Length;
        _candidates = new Folding[L][];
        for (int l = 0; l < L; l++)
        {
            var n = _nodes[_layerNode[l]];
            _candidates[l] = pinned.TryGetValue(n.Name, out var pin)
                ? [pin]
                : AssignFolding.LegalFoldings(n.Op).Where(f => RtlValidator.RomWordsFit(Mvu(AssignFolding.WithFold(n.Op, f)))).ToArray();
        }

        // Lane sources in graph order (topological): the input's lanes are its first layer's SIMD (AssignFolding).
        var source = new LaneSource[_nodes.Length];
        for (int i = 0; i < _nodes.Length; i++)
        {
            var n = _nodes[i];
            if (n.Op.Kind == OpKind.Input)
            {
                int first = Array.FindIndex(_nodes, m => m.Inputs.Contains(n.Name) && layerOf.ContainsKey(index[m.Name]));
                source[i] = first < 0 ? new LaneSource(-1, false) : new LaneSource(layerOf[first], true);
            }
            else source[i] = layerOf.TryGetValue(i, out int l) ? new LaneSource(l, false) : source[index[n.Inputs[0]]];
        }

        _parent = new int[L];
        _children = Enumerable.Range(0, L).Select(_ => new List<int>()).ToArray();
        _cycles = new long[L][];
        _own = new long[L][];
        _edge = new long[L][][];
        for (int l = 0; l < L; l++)
        {
            _cycles[l] = new long[_candidates[l].Length];
            _own[l] = new long[_candidates[l].Length];
        }

        // Nodes without a layer: their lanes come from the layer that sets them (or are fixed).
        for (int i = 0; i < _nodes.Length; i++)
        {
            if (layerOf.ContainsKey(i)) continue;
            var s = source[i];
            bool costs = _nodes[i].Op.Kind is not (OpKind.Add or OpKind.Fork);
            if (s.Layer < 0)
            {
                var (lut, cyc) = Passing(i, _nodes[i].OutLanes, family, index);
                if (costs) _fixedLut += lut;
                _fixedCycles = Math.Max(_fixedCycles, cyc);
                continue;
            }
            for (int a = 0; a < _candidates[s.Layer].Length; a++)
            {
                var f = _candidates[s.Layer][a];
                var (lut, cyc) = Passing(i, s.ViaSimd ? f.Simd : f.Pe, family, index);
                if (costs) _own[s.Layer][a] += lut;
                _cycles[s.Layer][a] = Math.Max(_cycles[s.Layer][a], cyc);
            }
        }

        // Each layer's own cost, by its folding and its input's lanes.
        for (int l = 0; l < L; l++)
        {
            int i = _layerNode[l];
            var s = source[index[_nodes[i].Inputs[0]]];
            bool self = s.Layer == l;
            _parent[l] = self ? -1 : s.Layer;
            if (_parent[l] >= 0) _children[_parent[l]].Add(l);
            var parentLanes = _parent[l] < 0
                ? [self ? 0 : _nodes[index[_nodes[i].Inputs[0]]].OutLanes]
                : _candidates[_parent[l]].Select(f => s.ViaSimd ? f.Simd : f.Pe).ToArray();
            _edge[l] = new long[_candidates[l].Length][];
            for (int a = 0; a < _candidates[l].Length; a++)
            {
                var f = _candidates[l][a];
                var byLanes = new Dictionary<int, ResourceEstimate>();
                _edge[l][a] = new long[parentLanes.Length];
                for (int p = 0; p < parentLanes.Length; p++)
                {
                    int lanes = self ? f.Simd : parentLanes[p];
                    if (!byLanes.TryGetValue(lanes, out var e)) byLanes[lanes] = e = Layer(i, f, lanes, family, index);
                    _edge[l][a][p] = e.Lut;
                    _cycles[l][a] = Math.Max(_cycles[l][a], e.Cycles);
                }
            }
        }
    }

    /// <summary>The dense and conv layers, in graph order.</summary>
    public IEnumerable<string> Layers => _layerNode.Select(i => _nodes[i].Name);

    /// <summary>Every initiation interval some folding can have: the distinct cycle counts of the nodes, ascending.</summary>
    public long[] Intervals() =>
        _cycles.SelectMany(c => c).Append(_fixedCycles).Where(c => c >= _fixedCycles).Distinct().Order().ToArray();

    /// <summary>
    /// The cheapest folding (the estimator's LUTs, adds and forks aside) whose every node takes at most
    /// <paramref name="interval"/> cycles per frame, with that cost; null when none does. Ties go to the smaller
    /// SIMD x PE, in <see cref="AssignFolding.LegalFoldings"/> order. The interval returned is the one the folding reaches.
    /// </summary>
    public (long Lut, long Interval, Dictionary<string, Folding> Folds)? Solve(long interval)
    {
        if (_fixedCycles > interval) return null;
        int L = _layerNode.Length;
        var best = new long[L][];
        var choice = new int[L][]; // per layer and candidate of its parent: the best candidate of the layer
        for (int l = L - 1; l >= 0; l--)
        {
            best[l] = new long[_candidates[l].Length];
            for (int a = 0; a < _candidates[l].Length; a++)
            {
                long v = _cycles[l][a] > interval ? Infinite : _own[l][a];
                foreach (int c in _children[l])
                {
                    if (v >= Infinite) break;
                    v += Pick(c, a, best, choice, l);
                }
                best[l][a] = Math.Min(v, Infinite);
            }
        }
        long total = _fixedLut;
        var chosen = new int[L];
        for (int l = 0; l < L; l++)
        {
            if (_parent[l] >= 0) continue;
            int arg = -1;
            long min = Infinite;
            for (int a = 0; a < _candidates[l].Length; a++)
            {
                long v = best[l][a] >= Infinite ? Infinite : best[l][a] + _edge[l][a][0];
                if (v < min) (min, arg) = (v, a);
            }
            if (arg < 0) return null;
            total += min;
            chosen[l] = arg;
        }
        // Parents come first in graph order, so each layer's parent is chosen before it.
        for (int l = 0; l < L; l++)
            if (_parent[l] >= 0) chosen[l] = choice[l][chosen[_parent[l]]];
        long reached = Enumerable.Range(0, L).Select(l => _cycles[l][chosen[l]]).Append(_fixedCycles).Max();
        return (total, reached, Enumerable.Range(0, L).ToDictionary(l => _nodes[_layerNode[l]].Name, l => _candidates[l][chosen[l]]));
    }

    /// <summary>The cheapest subtree of child <paramref name="c"/> under its parent's candidate <paramref name="a"/>, recording it.</summary>
    private long Pick(int c, int a, long[][] best, int[][] choice, int parent)
    {
        choice[c] ??= new int[_candidates[parent].Length];
        long min = Infinite;
        int arg = 0;
        for (int b = 0; b < _candidates[c].Length; b++)
        {
            if (best[c][b] >= Infinite) continue;
            long v = best[c][b] + _edge[c][b][a];
            if (v < min) (min, arg) = (v, b);
        }
        choice[c][a] = arg;
        return min;
    }

    /// <summary>LUTs and cycles of layer node <paramref name="i"/> at <paramref name="f"/>, its input arriving in <paramref name="lanes"/> lanes.</summary>
    private ResourceEstimate Layer(int i, Folding f, int lanes, FpgaFamily family, Dictionary<string, int> index)
    {
        var n = _nodes[i] with { Op = AssignFolding.WithFold(_nodes[i].Op, f), OutLanes = f.Pe };
        var src = _nodes[index[n.Inputs[0]]] with { OutLanes = lanes };
        return ResourceEstimator.Of(Pair(src, n), n, family);
    }

    /// <summary>LUTs and cycles of node <paramref name="i"/>, which has no matrix, when its stream has <paramref name="lanes"/> lanes.</summary>
    private (long Lut, long Cycles) Passing(int i, int lanes, FpgaFamily family, Dictionary<string, int> index)
    {
        var n = _nodes[i] with { OutLanes = lanes };
        if (n.Op.Kind == OpKind.Input)
        {
            var alone = new IrGraph("space", [n]) { Output = n.Name, Classes = 1 };
            return (ResourceEstimator.Of(alone, n, family).Lut, CycleModel.Of(alone, n));
        }
        var g = Pair(_nodes[index[n.Inputs[0]]] with { OutLanes = lanes }, n);
        long cycles = CycleModel.Of(g, n);
        // An add's or fork's cost is not part of the search (see the class summary), so it is not estimated here.
        return n.Op.Kind is OpKind.Add or OpKind.Fork ? (0, cycles) : (ResourceEstimator.Of(g, n, family).Lut, cycles);
    }

    /// <summary>The two-node graph a node's estimate reads: the node and its input.</summary>
    private static IrGraph Pair(IrNode src, IrNode n) => new("space", [src, n]) { Output = n.Name, Classes = 1 };

    private static DenseOp Mvu(IrOp op) => op.Kind switch
    {
        OpKind.Dense => (DenseOp)op,
        OpKind.Conv => ((ConvOp)op).Mvu,
        OpKind.Input or OpKind.MaxPool or OpKind.AvgPool or OpKind.Add or OpKind.Fork => throw new ArgumentException($"a {op.Kind} has no matrix"),
    };
}
