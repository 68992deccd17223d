using System.Diagnostics;
using QuantHdl.Engine.Data;
using QuantHdl.Engine.Tensors;
using QuantHdl.Models;

namespace QuantHdl.Quantization;

/// <summary>
/// Block-wise replacement with a full-precision partner (docs/bwrf.md; seed 002, "BWRF"): the frozen,
/// BN-folded float net <c>F</c> and the fake-quant net <c>Q</c> are split into the same blocks
/// (<see cref="BwrfBlocks"/>), and every mixed path <c>M_i = F_n ∘ … ∘ F_(i+1) ∘ Q_i ∘ … ∘ Q_1</c> feeds
/// Q's output at cut <c>i</c> to F's remaining nodes. The loss of a batch is
/// <c>CE(Q) + sum_i [a CE(M_i) + b KL(F || M_i)] + c KL(F || Q)</c> (<see cref="BwrfOptions"/>).
/// F's parameters never get a gradient (they do not require one) and are never updated, while the
/// gradients of the mixed paths flow through F's suffix ops into Q's prefix. The split works on the module
/// graph alone, so any weight or activation quantizer inside Q's nodes trains the same way.
/// </summary>
public sealed class BlockReplacement
{
    private readonly QuantGraph _q;
    private readonly LayerGraph _f;
    private readonly int[] _cuts;

    /// <summary>
    /// Pairs <paramref name="q"/> with its partner <paramref name="partner"/>, the BN-folded float graph it
    /// was built from (the same nodes, in the same order). The partner is put in evaluation mode and its
    /// parameters stop requiring grad: after this it is frozen.
    /// </summary>
    public BlockReplacement(QuantGraph q, LayerGraph partner, BwrfOptions options)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(partner);
        Options = (options ?? throw new ArgumentNullException(nameof(options))).Check();
        var qNames = q.Nodes.Select(n => n.Node.Name).ToArray();
        var fNames = partner.Nodes.Select(n => n.Node.Name).ToArray();
        if (!qNames.SequenceEqual(fNames))
            throw new ArgumentException($"the full-precision partner has nodes {string.Join(", ", fNames)} but the quantized net has {string.Join(", ", qNames)}; pair a QuantGraph with the BN-folded graph it was built from");
        _q = q;
        _f = partner;
        _cuts = BwrfBlocks.Cuts(q.Spec, options.Blocks);
        Blocks = BwrfBlocks.Names(q.Spec, _cuts);
        foreach (var p in partner.Parameters()) p.RequiresGrad = false;
        partner.Eval();
    }

    /// <summary>The settings.</summary>
    public BwrfOptions Options { get; }

    /// <summary>The node names of each block, in order (n blocks give n - 1 mixed paths).</summary>
    public IReadOnlyList<string[]> Blocks { get; }

    /// <summary>The frozen full-precision partner.</summary>
    public LayerGraph Partner => _f;

    /// <summary>
    /// The logits of Q and of every mixed path <c>M_1 .. M_(n-1)</c> on <paramref name="x"/>: one pass of Q,
    /// whose output at each cut then runs through F's nodes after it. Recorded for autograd when grad is on.
    /// </summary>
    public (Tensor Q, Tensor[] Mixed) Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var atCut = new Tensor[_cuts.Length];
        Tensor? logits = null;
        int i = 0, next = 0;
        foreach (var (_, y) in _q.ForwardStages(x))
        {
            if (next < _cuts.Length && _cuts[next] == i) atCut[next++] = y;
            logits = y;
            i++;
        }
        var mixed = new Tensor[_cuts.Length];
        for (int k = 0; k < _cuts.Length; k++) mixed[k] = _f.ForwardFrom(_cuts[k] + 1, atCut[k]);
        return (logits!, mixed);
    }

    /// <summary>
    /// The BWRF loss of one batch (the class's formula) and Q's logits, for <see cref="Engine.Training.Trainer"/>'s
    /// objective. F's own logits, the KL targets, are computed without recording.
    /// </summary>
    public (Tensor Loss, Tensor Logits) Loss(Tensor x, int[] labels)
    {
        Tensor teacher;
        using (Tensor.NoGrad()) teacher = _f.Forward(x);
        var (q, mixed) = Forward(x);
        float t = (float)Options.Temperature;
        var loss = Ops.CrossEntropy(q, labels);
        foreach (var m in mixed)
        {
            if (Options.CeWeight > 0) loss = Ops.Add(loss, Ops.Scale(Ops.CrossEntropy(m, labels), (float)Options.CeWeight));
            if (Options.KlWeight > 0) loss = Ops.Add(loss, Ops.Scale(Ops.KlDivergence(m, teacher, t), (float)Options.KlWeight));
        }
        if (Options.QKlWeight > 0) loss = Ops.Add(loss, Ops.Scale(Ops.KlDivergence(q, teacher, t), (float)Options.QKlWeight));
        return (loss, q);
    }

    /// <summary>
    /// The cost of a BWRF step against a plain QAT step (forward, loss, backward; no optimizer step, and
    /// every gradient is cleared after, so the nets do not change), timed on <see cref="BwrfOptions.CostSteps"/>
    /// batches of <paramref name="data"/> taken in order, the two kinds alternating so that both see the
    /// same load. Q runs in training mode. Returns the median seconds of each.
    /// </summary>
    public StepCost MeasureCost(IdxDataset data, int batchSize)
    {
        var loader = new DataLoader(data, batchSize, shuffle: false, seed: 0, asImages: _q.TakesImages);
        var plain = new List<double>();
        var bwrf = new List<double>();
        bool wasTraining = _q.Training;
        _q.Train();
        try
        {
            int n = 0;
            foreach (var batch in Cycle(loader))
            {
                double p = Time(() => Ops.CrossEntropy(_q.Forward(batch.X), batch.Labels));
                double b = Time(() => Loss(batch.X, batch.Labels).Loss);
                // The first pair warms caches and the buffer pool up.
                if (n++ > 0) { plain.Add(p); bwrf.Add(b); }
                if (plain.Count == Options.CostSteps) break;
            }
        }
        finally
        {
            _q.Train(wasTraining);
        }
        return new StepCost(Blocks.Count, Median(plain), Median(bwrf));
    }

    private double Time(Func<Tensor> loss)
    {
        var sw = Stopwatch.StartNew();
        using (Tensor.StepScope())
        {
            loss().Backward();
        }
        sw.Stop();
        foreach (var p in _q.Parameters()) p.ZeroGrad();
        return sw.Elapsed.TotalSeconds;
    }

    private static IEnumerable<Batch> Cycle(DataLoader loader)
    {
        while (true)
        {
            bool any = false;
            foreach (var b in loader) { any = true; yield return b; }
            if (!any) throw new ArgumentException("BWRF cost: the training set is empty");
        }
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}

/// <summary>Median seconds of a plain QAT step and of a BWRF step (forward, loss, backward) for a split into <see cref="Blocks"/> blocks.</summary>
public sealed record StepCost(int Blocks, double PlainSeconds, double BwrfSeconds)
{
    /// <summary>BWRF step time over plain step time.</summary>
    public double Ratio => BwrfSeconds / PlainSeconds;

    /// <summary>The ceiling docs/bwrf.md promises: blocks + 2 plain steps.</summary>
    public double Bound => Blocks + 2;
}
