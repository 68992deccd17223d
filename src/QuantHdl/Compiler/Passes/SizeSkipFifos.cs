using System.Globalization;
using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Ir;

namespace QuantHdl.Compiler.Passes;

/// <summary>
/// Sizes the FIFO on every branch of every fork so that the add where the branches meet cannot deadlock,
/// under any stall pattern (docs/architecture.md "Skip FIFOs"). A read-only analysis of data dependence
/// over the folded graph, then one rewrite: each <see cref="ForkBranch"/> gets its depth, storage, whether
/// the depth is tight, and the reason.
/// </summary>
/// <remarks>
/// <para>
/// For a node X on a branch and its output beat j, <c>need(X, j)</c> is the number of the fork's beats that
/// must have entered the branch before X can emit beat j: the data dependence of each op kind (a conv's
/// output pixel needs the last input pixel of its window, §7; a dense layer or a global pool the whole
/// frame; a pool its window; an add or a fork the same element), composed along the branch.
/// </para>
/// <para>
/// The fork (hdl/axis_fork.v) lets each branch take a beat on its own and retires it once every branch
/// has it. Suppose the add waits for beat j of branch A while branch B's beat j is ready. B has taken at
/// least <c>left_B(j)</c> fork beats: <c>need(B, j)</c> when B's path holds an op, and j when the add reads
/// the branch directly (beat j is then still the FIFO's head). A can have taken one beat more than B's
/// FIFO holds, so the fork stops feeding A for good only when
/// <c>depth_B + left_B(j) + 1 &lt; need(A, j)</c>. The depth on B is therefore
/// <c>max_j need(A, j) - 1 - left_B(j)</c> (at least 0), over one frame (the dependence repeats frame
/// after frame), minus the beats the add itself can hold of B's stream without A's
/// (<see cref="AddHoldsWithoutPartner"/>).
/// </para>
/// <para>
/// On an identity shortcut at the add's width nothing else holds B's beats, so one beat less deadlocks:
/// the depth is tight. Where B's path has ops of its own (a 1x1 conv shortcut, a width converter), their
/// buffers absorb some beats too, so the depth is an upper bound of what is needed.
/// </para>
/// </remarks>
public sealed class SizeSkipFifos : IPass
{
    /// <summary>Beats of one input that hdl/residual_add.v accepts while the other input has none: it joins them first.</summary>
    public const int AddHoldsWithoutPartner = 0;

    /// <summary>FIFOs up to this depth are registers.</summary>
    public const int MaxRegisterDepth = 4;

    /// <summary>FIFOs up to this many bits (depth x (data + tlast)) are LUT RAM; deeper ones are block RAM.</summary>
    public const int MaxLutRamBits = 4096;

    /// <inheritdoc/>
    public string Name => "size-skip-fifos";

    /// <inheritdoc/>
    public IrGraph Run(IrGraph graph)
    {
        var nodes = graph.Nodes.ToArray();
        for (int i = 0; i < nodes.Length; i++)
            if (nodes[i].Op.Kind == OpKind.Fork)
                nodes[i] = nodes[i] with { Op = Size(graph, nodes[i]) };
        return graph with { Nodes = nodes };
    }

    /// <summary>The storage of a FIFO of <paramref name="depth"/> beats of <paramref name="dataBits"/> bits plus tlast.</summary>
    public static string StorageFor(int depth, int dataBits) =>
        depth == 0 ? "none" : depth <= MaxRegisterDepth ? "registers" : (long)depth * (dataBits + 1) <= MaxLutRamBits ? "lutram" : "bram";

    private static ForkOp Size(IrGraph g, IrNode fork)
    {
        var op = (ForkOp)fork.Op;
        var index = g.Nodes.Select((n, i) => (n.Name, i)).ToDictionary(t => t.Name, t => t.i);
        // need[b][node] = per output beat of node, the fork beats branch b must have delivered.
        var need = op.Branches.Select(b => Needs(g, fork, b.Consumer, index)).ToArray();
        var join = g.Nodes.FirstOrDefault(n => n.Op.Kind == OpKind.Add
            && need.Count(d => d.ContainsKey(n.Name)) == op.Branches.Length
            && n.Inputs.Select(i => BranchOf(op, need, fork, n, i)).Distinct().Count() == 2)
            ?? throw new IrException($"fork {fork.Name}: its branches ({string.Join(", ", op.Branches.Select(b => b.Consumer))}) do not meet at one add of two of them; only a fork of two branches that an add joins is supported");
        if (op.Branches.Length != 2)
            throw new IrException($"fork {fork.Name}: {op.Branches.Length} branches; only a fork of two branches that an add joins is supported");
        int dataBits = fork.OutLanes * fork.OutType.Width;
        var branches = new ForkBranch[2];
        for (int b = 0; b < 2; b++)
        {
            int other = 1 - b;
            // The add's inputs: which comes down which branch.
            string inB = join.Inputs.Single(i => BranchOf(op, need, fork, join, i) == b);
            string inOther = join.Inputs.Single(i => BranchOf(op, need, fork, join, i) == other);
            var srcB = g.Node(inB);
            bool identity = inB == fork.Name;
            bool sameWidth = srcB.OutLanes == join.OutLanes;
            var needOther = JoinNeed(g, join, inOther, need[other], fork);
            var needB = JoinNeed(g, join, inB, need[b], fork);
            long worst = 0;
            int at = -1;
            for (int j = 0; j < needOther.Length; j++)
            {
                long left = identity && sameWidth ? (long)j * join.OutLanes / fork.OutLanes : needB[j];
                long d = needOther[j] - 1 - left - AddHoldsWithoutPartner;
                if (d > worst) (worst, at) = (d, j);
            }
            int min = checked((int)worst);
            bool tight = min > 0 && identity && sameWidth;
            // Full rate: while the other branch computes (its latency), the fork keeps delivering at the
            // branch's pace, and those beats wait here too.
            var (latency, pace) = Pace(g, op.Branches[other].Consumer, inOther, fork);
            int slack = min == 0 ? 0 : checked((int)Math.Ceiling((double)latency * (fork.OutSize / fork.OutLanes) / pace));
            int depth = min + slack;
            string path = identity ? "the add reads this branch directly" : $"this branch passes {string.Join(" -> ", PathTo(g, op.Branches[b].Consumer, inB))}";
            string reason = depth == 0
                ? $"{path}; the other branch never needs more of the fork's beats than this one has taken, so no FIFO"
                : string.Create(CultureInfo.InvariantCulture,
                    $"{path}; before {join.Name} can take its beat {at} the other branch ({op.Branches[other].Consumer} ...) needs {needOther[at]} of the fork's beats while this one has taken {(identity && sameWidth ? at : needB[at])}, so {min} beats must wait here{(tight ? " (tight: one less deadlocks)" : " (an upper bound: the ops on this branch buffer some beats too)")}; {slack} more cover the other branch's latency of about {latency} cycles at {pace} cycles per frame of {fork.OutSize / fork.OutLanes} beats, so the add runs at full rate");
            branches[b] = op.Branches[b] with { Depth = depth, MinDepth = min, Storage = StorageFor(depth, dataBits), Tight = tight, Reason = reason };
        }
        return op with { Branches = branches };
    }

    /// <summary>Which branch of the fork feeds input <paramref name="input"/> of <paramref name="join"/>: -1 when none.</summary>
    private static int BranchOf(ForkOp op, Dictionary<string, long[]>[] need, IrNode fork, IrNode join, string input)
    {
        if (input == fork.Name) return Array.FindIndex(op.Branches, b => b.Consumer == join.Name);
        var hits = Enumerable.Range(0, need.Length).Where(b => need[b].ContainsKey(input)).ToList();
        return hits.Count == 1 ? hits[0] : -1;
    }

    /// <summary>Per beat of <paramref name="join"/>'s output, the fork beats its input <paramref name="input"/> needs on one branch.</summary>
    private static long[] JoinNeed(IrGraph g, IrNode join, string input, Dictionary<string, long[]> need, IrNode fork)
    {
        var src = g.Node(input);
        int beats = join.OutSize / join.OutLanes;
        var r = new long[beats];
        for (int j = 0; j < beats; j++)
        {
            long beat = InputBeats(join, src, j);
            r[j] = input == fork.Name ? beat : need[input][beat - 1];
        }
        return r;
    }

    /// <summary>Pipeline allowance of a conv or dense layer beyond its compute cycles: sliding window, width converter, MVU pipeline and output FIFO.</summary>
    public const int LayerPipelineCycles = 16;

    /// <summary>
    /// The latency of the path from <paramref name="from"/> to <paramref name="to"/>, in cycles from a needed
    /// beat to the result (a conv or dense layer: its cycles per output pixel plus <see cref="LayerPipelineCycles"/>;
    /// the others a few), and the slowest node's cycles per frame on it (its pace). The counts are those of
    /// integer-semantics §6-§8 (Hardware/CycleModel.cs).
    /// </summary>
    private static (long Latency, long Pace) Pace(IrGraph g, string from, string to, IrNode fork)
    {
        long latency = 0, pace = fork.OutSize / fork.OutLanes;
        if (to == fork.Name) return (0, pace);
        foreach (var name in PathTo(g, from, to))
        {
            var n = g.Node(name);
            var (lat, frame) = n.Op.Kind switch
            {
                OpKind.Dense => (Cycles((DenseOp)n.Op) + LayerPipelineCycles, Cycles((DenseOp)n.Op)),
                OpKind.Conv => (Cycles(((ConvOp)n.Op).Mvu) + LayerPipelineCycles, (long)((ConvOp)n.Op).OutH * ((ConvOp)n.Op).OutW * Cycles(((ConvOp)n.Op).Mvu)),
                OpKind.MaxPool or OpKind.AvgPool => (8L, (long)g.Node(n.Inputs[0]).OutSize / g.Node(n.Inputs[0]).OutLanes),
                OpKind.Add => (AddMath.UnitLatency + 1L, (long)n.OutSize / n.OutLanes),
                OpKind.Fork => (1L, (long)n.OutSize / n.OutLanes),
                OpKind.Input => (0L, 0L),
            };
            latency += lat;
            pace = Math.Max(pace, frame);
        }
        return (latency, pace);
    }

    private static long Cycles(DenseOp d) => (long)(d.In / d.Fold.Simd) * (d.Out / d.Fold.Pe);

    /// <summary>Node names from <paramref name="from"/> to <paramref name="to"/> along inputs (for the reason).</summary>
    private static List<string> PathTo(IrGraph g, string from, string to)
    {
        var path = new List<string> { to };
        var cur = g.Node(to);
        while (cur.Name != from && cur.Inputs.Length > 0) { cur = g.Node(cur.Inputs[0]); path.Insert(0, cur.Name); }
        return path;
    }

    /// <summary>
    /// For every node reachable from the branch into <paramref name="consumer"/> (stopping at the first add that
    /// also reads another branch), per output beat, the fork beats the branch must have delivered.
    /// </summary>
    private static Dictionary<string, long[]> Needs(IrGraph g, IrNode fork, string consumer, Dictionary<string, int> index)
    {
        var need = new Dictionary<string, long[]>();
        foreach (var n in g.Nodes.Skip(index[consumer]))
        {
            // Inputs on this branch: the fork itself (only for the consumer) or a node already on it.
            var on = n.Inputs.Where(i => need.ContainsKey(i) || (n.Name == consumer && i == fork.Name)).ToList();
            if (on.Count == 0) continue;
            if (n.Op.Kind == OpKind.Add && n.Inputs.Length != on.Count) { need[n.Name] = Array.Empty<long>(); continue; } // the join: its needs are per input
            int beats = n.OutSize / n.OutLanes;
            var r = new long[beats];
            foreach (var i in on)
            {
                var src = g.Node(i);
                for (int j = 0; j < beats; j++)
                {
                    long b = InputBeats(n, src, j);
                    long v = i == fork.Name ? b : need[i].Length == 0 ? 0 : need[i][b - 1];
                    if (v > r[j]) r[j] = v;
                }
            }
            need[n.Name] = r;
        }
        return need;
    }

    /// <summary>How many beats of <paramref name="src"/>'s stream node <paramref name="n"/> must have read to emit its output beat <paramref name="j"/>.</summary>
    internal static long InputBeats(IrNode n, IrNode src, int j)
    {
        long e = (long)(j + 1) * n.OutLanes - 1; // the beat's last element
        long last = LastInputElement(n, e);
        return last < 0 ? 0 : last / src.OutLanes + 1;
    }

    /// <summary>
    /// The one dispatch of the dependence analysis: the highest input element (in §7 stream order) that output
    /// element <paramref name="e"/> of <paramref name="n"/> depends on; -1 when none.
    /// </summary>
    internal static long LastInputElement(IrNode n, long e) => n.Op.Kind switch
    {
        OpKind.Input => -1,
        OpKind.Dense => ((DenseOp)n.Op).In - 1,
        OpKind.Conv => ConvLast((ConvOp)n.Op, e),
        OpKind.MaxPool => PoolLast(((MaxPoolOp)n.Op).InW, ((MaxPoolOp)n.Op).C, ((MaxPoolOp)n.Op).K, ((MaxPoolOp)n.Op).K, ((MaxPoolOp)n.Op).InW / ((MaxPoolOp)n.Op).K, e),
        OpKind.AvgPool => PoolLast(((AvgPoolOp)n.Op).InW, ((AvgPoolOp)n.Op).C, ((AvgPoolOp)n.Op).KH, ((AvgPoolOp)n.Op).KW, ((AvgPoolOp)n.Op).InW / ((AvgPoolOp)n.Op).KW, e),
        OpKind.Add or OpKind.Fork => e,
    };

    /// <summary>§7: output pixel (oy, ox) needs its window's last pixel, all channels of it (the MVU sums the whole window).</summary>
    private static long ConvLast(ConvOp c, long e)
    {
        long p = e / c.OutC;
        long oy = p / c.OutW, ox = p % c.OutW;
        long ymax = Math.Min(c.InH - 1, oy * c.Stride + c.K - 1 - c.Pad);
        long xmax = Math.Min(c.InW - 1, ox * c.Stride + c.K - 1 - c.Pad);
        if (ymax < 0 || xmax < 0) return -1;
        return (ymax * c.InW + xmax) * c.InC + c.InC - 1;
    }

    /// <summary>§8: output (oy, ox, ch) needs channel ch of its window's last pixel.</summary>
    private static long PoolLast(int inW, int c, int kh, int kw, int outW, long e)
    {
        long p = e / c, ch = e % c;
        long oy = p / outW, ox = p % outW;
        long y = oy * kh + kh - 1, x = ox * kw + kw - 1;
        return (y * inW + x) * c + ch;
    }
}
