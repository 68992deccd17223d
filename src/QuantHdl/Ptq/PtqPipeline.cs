using QuantHdl.Arithmetic;
using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;
using QuantHdl.Models;
using QuantHdl.Quantization;

namespace QuantHdl.Ptq;

/// <summary>Runs <paramref name="work"/> with a progress task of <paramref name="total"/> steps (the flows' reporter).</summary>
public delegate void ProgressRunner(string label, long total, Action<Action<long>> work);

/// <summary>What the pipeline produced: the fake-quant model that reproduces every choice, its logit step and each layer's levels.</summary>
public sealed class PtqResult(QuantGraph model, double logitStep, IReadOnlyDictionary<string, float[]> levels, IReadOnlyList<string> log)
{
    /// <summary>
    /// The quantized network: every weight is stored as scale x chosen level, so round-to-nearest (the
    /// fake-quant forward, the freezer) gives back exactly the level PTQ chose; scales and activation steps
    /// are PTQ's ranges; biases are the absorbed and corrected ones.
    /// </summary>
    public QuantGraph Model { get; } = model;

    /// <summary>The logits' step, by the cross-entropy criterion.</summary>
    public double LogitStep { get; } = logitStep;

    /// <summary>The chosen level of every weight (in units of its channel's scale; an integer for uniform codes), per layer name.</summary>
    public IReadOnlyDictionary<string, float[]> Levels { get; } = levels;

    /// <summary>One line per step that ran.</summary>
    public IReadOnlyList<string> Log { get; } = log;
}

/// <summary>
/// The white paper's post-training pipeline over a trained float <see cref="LayerGraph"/> (docs/ptq.md):
/// fold batch norms, equalize ReLU-joined pairs, absorb biases, then layer by layer in order: weight
/// ranges, round-to-nearest or AdaRound, bias correction, and the range of the layer's output
/// activations, each on the calibration set as the already quantized layers before it leave it.
/// </summary>
public static class PtqPipeline
{
    /// <summary>Quantizes <paramref name="fp"/> (not changed) with calibration inputs <paramref name="calib"/> ([N, features] for an <c>mlp:</c>, else [N, 1, H, W]).</summary>
    public static PtqResult Run(LayerGraph fp, Tensor calib, PtqOptions o, ProgressRunner? progress = null)
    {
        o.Check();
        progress ??= (_, _, work) => work(_ => { });
        var log = new List<string>();
        var g = BatchNormFolder.Fold(fp);
        g.Eval();
        if (fp.Nodes.Any(n => n.Module is BatchNorm2d)) log.Add($"folded {fp.Nodes.Count(n => n.Module is BatchNorm2d)} batch norms into their convs");
        if (o.Cle)
        {
            int pairs = LayerPair.Of(g).Count, sweeps = CrossLayerEqualization.Apply(g);
            log.Add($"cross-layer equalization: {pairs} ReLU-joined pairs, {sweeps} sweeps");
        }
        if (o.BiasAbsorption) log.Add($"bias absorption: {BiasAbsorption.Apply(g, calib)} channels moved part of their bias on");
        var q = new QuantGraph(g, o.Weights, o.Activations, o.Deployment);
        q.Eval();
        var levels = new Dictionary<string, float[]>();
        int weighted = q.Nodes.Count(n => n.Module is QuantLinear or QuantConv2d), done = 0;
        double step = 1.0 / 255, logitStep = 0;
        Tensor xf = calib, xq = calib;
        for (int i = 0; i < q.Nodes.Count; i++)
        {
            var (node, m) = q.Nodes[i];
            var fm = g.Nodes[i].Module;
            switch (m)
            {
                case QuantLinear l:
                {
                    var fl = (Linear)fm;
                    if (xf.Rank > 2) (xf, xq) = (xf.Flatten(), xq.Flatten());
                    var bias = Tensor.FromArray((float[])l.Bias.Data.Clone(), l.OutFeatures);
                    levels[node.Name] = QuantizeLayer(node.Name, ++done, weighted, l.Weight.Data, l.Bias.Data, l.Quantizer, [l.OutFeatures, l.InFeatures],
                        (x, w, b) => Ops.Linear(x, w, b), bias, l.Relu, NoGrad(() => Ops.Linear(xf, fl.Weight, fl.Bias)), xq, o, progress, log, i);
                    l.InputStep = step;
                    (xf, xq) = NoGrad(() => (Ops.Linear(xf, fl.Weight, fl.Bias), l.Forward(xq)));
                    if (i + 1 == q.Nodes.Count)
                    {
                        logitStep = RangeSetting.LogitStep(xq.Data.AsSpan(0, xq.Numel), l.OutFeatures);
                        log.Add($"{node.Name}: logit step {logitStep:G4} by the cross-entropy criterion");
                    }
                    break;
                }
                case QuantConv2d c:
                {
                    var fc = (Conv2d)fm;
                    var bias = Tensor.FromArray((float[])c.Bias.Data.Clone(), c.OutChannels);
                    var floatOut = NoGrad(() => Ops.Conv2d(xf, fc.Weight, fc.Bias, fc.Stride, fc.Padding, fc.Groups));
                    levels[node.Name] = QuantizeLayer(node.Name, ++done, weighted, c.Weight.Data, c.Bias.Data, c.Quantizer, c.Weight.Shape,
                        (x, w, b) => Ops.Conv2d(x, w, b, c.Stride, c.Padding, c.Groups), bias, true, floatOut, xq, o, progress, log, i);
                    c.InputStep = step;
                    (xf, xq) = (floatOut, NoGrad(() => c.Forward(xq)));
                    break;
                }
                case LsqActivationQuantizer a:
                {
                    xf = Ops.Relu(xf);
                    a.Step.Data[0] = (float)RangeSetting.ActivationStep(xq.Data.AsSpan(0, xq.Numel), a.Bits, o.ActivationRange, o.Percentile);
                    step = a.Step.Data[0];
                    xq = NoGrad(() => a.Forward(xq));
                    log.Add($"{node.Name}: activation step {step:G4} ({o.Name(o.ActivationRange)})");
                    break;
                }
                case MaxPool2d p:
                    (xf, xq) = NoGrad(() => (p.Forward(xf), p.Forward(xq)));
                    break;
                case QuantPool p:
                {
                    xf = NoGrad(() => fm.Forward(xf));
                    var pooled = NoGrad(() => p.Pool.Forward(xq));
                    p.Quantizer.Step.Data[0] = (float)RangeSetting.ActivationStep(pooled.Data.AsSpan(0, pooled.Numel), p.Quantizer.Bits, o.ActivationRange, o.Percentile);
                    step = p.Quantizer.Step.Data[0];
                    xq = NoGrad(() => p.Quantizer.Forward(pooled));
                    log.Add($"{node.Name}: pooled step {step:G4} ({o.Name(o.ActivationRange)})");
                    break;
                }
                default:
                    throw new ArgumentException($"node {node.Name}: {m.GetType().Name} has no post-training quantization");
            }
        }
        CheckLevels(q, levels);
        return new PtqResult(q, logitStep, levels, log);
    }

    /// <summary>
    /// Chooses one layer's scales and levels and writes scale x level into <paramref name="weight"/>; with
    /// bias correction, moves <paramref name="bias"/> by the layer's expected output shift.
    /// </summary>
    private static float[] QuantizeLayer(string name, int index, int count, float[] weight, float[] bias, WeightQuantizer quantizer, int[] shape,
        Func<Tensor, Tensor, Tensor, Tensor> layer, Tensor floatBias, bool relu, Tensor floatPre, Tensor xq, PtqOptions o, ProgressRunner progress, List<string> log, int node)
    {
        int outs = quantizer.Scale.Numel, per = weight.Length / outs;
        var spec = quantizer.Spec;
        var codec = spec.Code == WeightCode.Uniform ? null : new PowerCodec(spec);
        var scales = RangeSetting.WeightScales(weight, outs, spec, o.WeightRange, o.PerChannel, o.Percentile);
        scales.CopyTo(quantizer.Scale.Data, 0);
        var nearest = new float[weight.Length];
        for (int k = 0; k < weight.Length; k++) nearest[k] = RangeSetting.NearestLevel(weight[k] / scales[k / per], spec, codec);
        float[] chosen = nearest;
        string how = "round-to-nearest";
        if (o.AdaRound)
        {
            var target = relu ? NoGrad(() => Ops.Relu(floatPre)) : floatPre;
            var ar = new AdaRound(weight, scales, spec);
            progress($"AdaRound {name} ({index}/{count})", o.AdaRoundIterations, advance =>
                    ar.Optimize(xq, target, (x, w) => layer(x, w, floatBias), shape, relu, o.AdaRoundIterations, o.Seed * 1000 + node, advance));
            chosen = ar.Levels();
            int binary = ar.V.Data.Count(v => AdaRound.H(v) is 0 or 1), flipped = chosen.Where((l, k) => l != nearest[k]).Count();
            how = $"AdaRound {o.AdaRoundIterations} iterations, {binary * 100.0 / weight.Length:F1}% of h(V) at 0 or 1, {flipped} of {weight.Length} weights rounded away from nearest";
        }
        var original = (float[])weight.Clone();
        for (int k = 0; k < weight.Length; k++) weight[k] = chosen[k] * scales[k / per];
        if (o.BiasCorrection)
        {
            BiasCorrection.Apply(bias, BiasCorrection.ExpectedShift(layer, xq, weight, original, shape, outs));
            how += ", bias corrected";
        }
        log.Add($"{name}: {o.Name(o.WeightRange)} {(o.PerChannel ? "per-channel" : "per-tensor")} weight scales, {how}");
        return chosen;
    }

    /// <summary>
    /// The invariant the checkpoint relies on: round-to-nearest of every stored weight at its scale (what
    /// the fake-quant forward and the freezer compute) gives back the level PTQ chose.
    /// </summary>
    private static void CheckLevels(QuantGraph q, Dictionary<string, float[]> levels)
    {
        foreach (var (node, m) in q.Nodes)
        {
            var (w, quantizer) = m switch
            {
                QuantLinear l => (l.Weight.Data, l.Quantizer),
                QuantConv2d c => (c.Weight.Data, c.Quantizer),
                _ => (null, null),
            };
            if (w is null || quantizer is null) continue;
            var codec = quantizer.Spec.Code == WeightCode.Uniform ? null : new PowerCodec(quantizer.Spec);
            int per = w.Length / quantizer.Scale.Numel;
            var chosen = levels[node.Name];
            for (int k = 0; k < w.Length; k++)
                if (RangeSetting.NearestLevel(w[k] / quantizer.Scale.Data[k / per], quantizer.Spec, codec) != chosen[k])
                    throw new InvalidOperationException($"layer {node.Name}: weight {k} does not round back to its chosen level {chosen[k]}");
        }
    }

    private static T NoGrad<T>(Func<T> f)
    {
        using var _ = Tensor.NoGrad();
        return f();
    }

    /// <summary>The code of each chosen level: the level itself for uniform weights, the POT/POST sign+index code otherwise.</summary>
    public static int[] Codes(float[] levels, WeightSpec spec)
    {
        var codec = spec.Code == WeightCode.Uniform ? null : new PowerCodec(spec);
        return levels.Select(l => codec is null ? (int)l : codec.Code(l)).ToArray();
    }
}
