using QuantHdl.Golden;
using QuantHdl.Hardware;
using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Verification.Fuzz;

/// <summary>
/// Shrinks a failing fuzz case while it keeps failing: greedily tries fewer samples, dropping the last
/// or the first layer (the dropped layer's golden outputs become the inputs), folding 1x1, halving a
/// layer's outputs or the input size, zeroing weights and biases, and keeps the first smaller case the
/// predicate still calls failing, until no step helps or the budget of predicate calls is spent.
/// Candidates the validators reject are skipped without a call. In a CNN, convs are folded 1x1 and have
/// their weights and biases zeroed like dense layers; halving applies only to dense layers that feed a dense
/// layer (or nothing) and to a flat input, since a conv's or a pool's channels and frame reshape every layer after it.
/// </summary>
public static class CaseMinimizer
{
    /// <summary>The smallest failing case found with at most <paramref name="budget"/> calls of <paramref name="fails"/>.</summary>
    public static FuzzCase Minimize(FuzzCase c, Func<FuzzCase, bool> fails, int budget = 40)
    {
        int calls = 0;
        bool progress = true;
        while (progress && calls < budget)
        {
            progress = false;
            foreach (var candidate in Candidates(c))
            {
                if (calls >= budget) break;
                if (!Valid(candidate)) continue;
                calls++;
                if (!fails(candidate)) continue;
                c = candidate;
                progress = true;
                break;
            }
        }
        return c;
    }

    /// <summary>A size measure that every accepted step lowers: samples, layers, elements, nonzero weights and biases.</summary>
    public static long Size(FuzzCase c) =>
        c.Inputs.Length + 1000L * (c.Graph.Nodes.Length - 1) + c.Graph.Nodes.Sum(n => (long)n.OutSize) * 10
        + c.Graph.Nodes.Select(n => MatrixOf(n.Op)).OfType<DenseOp>().Sum(d => d.Weights.Count(w => w != 0) + d.Bias.Count(b => b != 0)
            + (d.Fold.Simd > 1 ? 1 : 0) + (d.Fold.Pe > 1 ? 1 : 0));

    /// <summary>The matrix-vector unit of a dense layer or a conv; pools and the input have none.</summary>
    private static DenseOp? MatrixOf(IrOp op) => op.Kind switch
    {
        OpKind.Dense => (DenseOp)op,
        OpKind.Conv => ((ConvOp)op).Mvu,
        OpKind.Input or OpKind.MaxPool or OpKind.AvgPool or OpKind.Add or OpKind.Fork => null,
    };

    private static bool Valid(FuzzCase c)
    {
        try
        {
            RtlValidator.Check(c.Graph);
            return true;
        }
        catch (Exception e) when (e is IrException or ArithmeticLimitException)
        {
            return false;
        }
    }

    private static IEnumerable<FuzzCase> Candidates(FuzzCase c)
    {
        var nodes = c.Graph.Nodes;
        if (c.Inputs.Length > 1)
        {
            yield return c with { Inputs = c.Inputs.Take(c.Inputs.Length / 2).ToArray() };
            yield return c with { Inputs = c.Inputs.Skip(c.Inputs.Length / 2).ToArray() };
        }
        if (nodes.Length > 2)
        {
            yield return With(c, AsOutput(nodes[..^1]));
            if (DropFirst(c) is { } shorter) yield return shorter;
        }
        for (int l = 1; l < nodes.Length; l++)
        {
            // Pools have nothing to shrink in place.
            if (MatrixOf(nodes[l].Op) is not DenseOp d) continue;
            if (d.Fold.Simd > 1 || d.Fold.Pe > 1) yield return Replace(c, l, d with { Fold = new Folding(1, 1) }, lanes: 1);
            bool denseToDense = nodes[l].Op.Kind == OpKind.Dense && (l + 1 == nodes.Length || nodes[l + 1].Op.Kind == OpKind.Dense);
            if (d.Out > 1 && denseToDense)
            {
                yield return HalveOutputs(c, l, tail: false);
                yield return HalveOutputs(c, l, tail: true);
            }
            if (d.Weights.Any(w => w != 0)) yield return Replace(c, l, d with { Weights = new int[d.Weights.Length] });
            int nz = d.Weights.Count(w => w != 0);
            if (nz > 1)
            {
                // Zero the first half of the nonzero weights.
                var ws = d.Weights.ToArray();
                for (int i = 0, z = 0; i < ws.Length && z < nz / 2; i++)
                    if (ws[i] != 0) { ws[i] = 0; z++; }
                yield return Replace(c, l, d with { Weights = ws });
            }
            if (d.Bias.Any(b => b != 0)) yield return Replace(c, l, d with { Bias = new long[d.Bias.Length] });
        }
        if (nodes[0].OutLanes > 1)
        {
            var x = nodes[0];
            yield return With(c, Relane([x with { OutLanes = 1 }, .. nodes[1..]], 0));
        }
        if (nodes[0].OutSize > 1 && EdgeShape.Of(nodes[0]) is { H: 1, W: 1 } && nodes[1].Op.Kind == OpKind.Dense)
        {
            yield return HalveInput(c, tail: false);
            yield return HalveInput(c, tail: true);
        }
    }

    // A shrunk graph still declares its last node, with its logit count, as the output.
    private static IrGraph Shrunk(IrGraph g, IrNode[] nodes) => g with { Nodes = nodes, Output = nodes[^1].Name, Classes = nodes[^1].OutSize };

    /// <summary>
    /// Makes the last node a valid network output: a hidden layer's unsigned edge becomes signed, one bit
    /// wider, so every value (and the clamp) is unchanged.
    /// </summary>
    private static IrNode[] AsOutput(IrNode[] nodes)
    {
        var last = nodes[^1];
        if (last.OutType.Signed || last.OutType.Width >= 64) return nodes;
        return [.. nodes[..^1], last with { OutType = IntType.S(last.OutType.Width + 1) }];
    }

    private static FuzzCase With(FuzzCase c, IrNode[] nodes) => c with { Graph = Shrunk(c.Graph, nodes) };

    /// <summary>Layer <paramref name="l"/> with the matrix-vector unit <paramref name="d"/> (a dense layer's own, or a conv's).</summary>
    private static FuzzCase Replace(FuzzCase c, int l, DenseOp d, int? lanes = null)
    {
        var nodes = c.Graph.Nodes.ToArray();
        IrOp op = nodes[l].Op.Kind == OpKind.Conv ? ((ConvOp)nodes[l].Op) with { Mvu = d } : d;
        nodes[l] = nodes[l] with { Op = op, OutLanes = lanes ?? nodes[l].OutLanes };
        return With(c, Relane(nodes, l));
    }

    /// <summary>The pools right after node <paramref name="l"/> keep its (changed) lanes per beat, as they must (§8).</summary>
    private static IrNode[] Relane(IrNode[] nodes, int l)
    {
        for (int i = l + 1; i < nodes.Length && nodes[i].Op.Kind is OpKind.MaxPool or OpKind.AvgPool; i++)
            nodes[i] = nodes[i] with { OutLanes = nodes[i - 1].OutLanes };
        return nodes;
    }

    /// <summary>The second layer reads the input: the first layer's golden outputs are the new inputs.</summary>
    private static FuzzCase? DropFirst(FuzzCase c)
    {
        var nodes = c.Graph.Nodes;
        long[][] inputs;
        try
        {
            inputs = c.Inputs.Select(x => GoldenSimulator.Run(c.Graph, x)[1]).ToArray();
        }
        catch (Exception e) when (e is IrException or ArithmeticLimitException or IntegerOverflowException or ArgumentException)
        {
            return null;
        }
        var h = nodes[1];
        // A spatial layer's output is a frame: the new input declares it, so a conv or pool after it still reads H x W x C.
        var frame = EdgeShape.Of(h);
        var x0 = new IrNode(nodes[0].Name, [], new InputOp(frame.H, frame.W),
            h.OutType, h.OutSize, h.OutLanes, h.OutScale);
        var rest = nodes[2..].ToArray();
        rest[0] = rest[0] with { Inputs = [x0.Name] };
        return new FuzzCase(c.Seed, Shrunk(c.Graph, [x0, .. rest]), inputs);
    }

    /// <summary>Keeps the first or last half of a layer's output rows (a multiple of PE) and the matching columns of the next layer.</summary>
    private static FuzzCase HalveOutputs(FuzzCase c, int l, bool tail)
    {
        var nodes = c.Graph.Nodes.ToArray();
        var d = (DenseOp)nodes[l].Op;
        int pe = d.Fold.Pe;
        int keep = pe * Math.Max(1, d.Out / pe / 2);
        if (keep == d.Out) { pe = 1; keep = Math.Max(1, d.Out / 2); }
        int from = tail ? d.Out - keep : 0;
        nodes[l] = nodes[l] with
        {
            Op = d with
            {
                Out = keep,
                Weights = d.Weights[(from * d.In)..((from + keep) * d.In)],
                Bias = d.Bias[from..(from + keep)],
                Rq = d.Rq with { M0 = d.Rq.M0[from..(from + keep)], Shift = d.Rq.Shift[from..(from + keep)] },
                Fold = d.Fold with { Pe = pe },
            },
            OutSize = keep,
            OutLanes = pe,
        };
        if (l + 1 < nodes.Length) nodes[l + 1] = KeepColumns(nodes[l + 1], from, keep);
        return With(c, nodes);
    }

    private static FuzzCase HalveInput(FuzzCase c, bool tail)
    {
        var nodes = c.Graph.Nodes.ToArray();
        var x = nodes[0];
        int lanes = x.OutLanes;
        int keep = lanes * Math.Max(1, x.OutSize / lanes / 2);
        if (keep == x.OutSize) { lanes = 1; keep = Math.Max(1, x.OutSize / 2); }
        int from = tail ? x.OutSize - keep : 0;
        nodes[0] = x with { OutSize = keep, OutLanes = lanes };
        nodes[1] = KeepColumns(nodes[1], from, keep);
        return c with { Graph = Shrunk(c.Graph, nodes), Inputs = c.Inputs.Select(v => v[from..(from + keep)]).ToArray() };
    }

    /// <summary>A layer reading only inputs <paramref name="from"/> to <paramref name="from"/> + <paramref name="keep"/> - 1; SIMD falls to 1 when it no longer divides.</summary>
    private static IrNode KeepColumns(IrNode n, int from, int keep)
    {
        var d = (DenseOp)n.Op;
        var ws = new int[d.Out * keep];
        for (int r = 0; r < d.Out; r++) Array.Copy(d.Weights, r * d.In + from, ws, r * keep, keep);
        int simd = keep % d.Fold.Simd == 0 ? d.Fold.Simd : 1;
        return n with { Op = d with { In = keep, Weights = ws, Fold = d.Fold with { Simd = simd } } };
    }
}
