using QuantHdl.Engine.Data;
using QuantHdl.Compiler.Freeze;
using QuantHdl.Compiler.Ir;
using QuantHdl.Models;
using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Tensors;
using QuantHdl.Engine.Training;
using QuantHdl.Arithmetic;

namespace QuantHdl.Quantization;

/// <summary>
/// A fake-quant MLP: the 8-bit image enters exactly (pixel/255), every dense layer has quantized
/// weights, every hidden ReLU output passes an unsigned activation quantizer, and the last layer
/// emits float logits (frozen to signed 16-bit at a calibrated scale).
/// </summary>
public sealed class QuantMlp : Module, IStagedModule
{
    private readonly List<QuantLinear> _layers = new();
    private readonly List<LsqActivationQuantizer> _acts = new();

    /// <summary>
    /// Builds from a trained full-precision MLP; weights are copied and quantizers initialised from them.
    /// Every layer puts its bias on the grid of <paramref name="deployment"/>'s F (the defaults when null).
    /// </summary>
    public QuantMlp(MlpSpec spec, Sequential fp, WeightSpec weights, ActivationSpec acts, DeploymentSettings? deployment = null)
    {
        Spec = spec;
        WeightSpec = weights;
        ActivationSpec = acts;
        Deployment = (deployment ?? DeploymentSettings.Default).Check();
        var linears = Enumerable.Range(0, fp.Count).Select(i => fp[i]).OfType<Linear>().ToArray();
        if (linears.Length != spec.Layers) throw new ArgumentException($"the float model has {linears.Length} linear layers, {spec} has {spec.Layers}");
        CheckCapacity(spec, weights, acts, Deployment);
        for (int l = 0; l < linears.Length; l++)
        {
            bool last = l + 1 == linears.Length;
            _layers.Add(RegisterModule($"fc{l + 1}", new QuantLinear(linears[l], weights, relu: !last) { SqrtFracBits = Deployment.SqrtFracBits }));
            if (!last) _acts.Add(RegisterModule($"act{l + 1}", new LsqActivationQuantizer(acts.Bits)));
        }
    }

    /// <summary>
    /// Refuses, before any training, a weight code that some layer cannot hold (integer-semantics §5,
    /// <see cref="DenseCapacity"/>): the check the IR validator makes at compile time, with the
    /// deployment's F and multiplier width.
    /// </summary>
    public static void CheckCapacity(MlpSpec spec, WeightSpec weights, ActivationSpec acts, DeploymentSettings deployment)
    {
        for (int l = 0; l < spec.Layers; l++)
        {
            int actBits = l == 0 ? InputType.Width : acts.Bits;
            if (DenseCapacity.Refusal(weights, spec.Sizes[l], actBits, deployment.SqrtFracBits, deployment.MultiplierBits) is string refusal)
                throw new ArgumentException($"layer fc{l + 1}: {refusal}");
        }
    }

    /// <summary>The network input: raw 8-bit pixels (integer-semantics §1).</summary>
    public static IntType InputType => IntType.U(8);

    /// <summary>The architecture.</summary>
    public MlpSpec Spec { get; }

    /// <summary>The weight code of every layer.</summary>
    public WeightSpec WeightSpec { get; }

    /// <summary>The activation quantizer of every hidden layer.</summary>
    public ActivationSpec ActivationSpec { get; }

    /// <summary>The F and multiplier width the bias grid and the capacity checks assume; the compiler freezes with them.</summary>
    public DeploymentSettings Deployment { get; }

    /// <summary>The dense layers in order.</summary>
    public IReadOnlyList<QuantLinear> Layers => _layers;

    /// <summary>The activation quantizers in order (one fewer than the layers).</summary>
    public IReadOnlyList<LsqActivationQuantizer> Activations => _acts;

    /// <summary>Quantizer scales: per-channel weight scales and activation steps.</summary>
    public IReadOnlyList<Tensor> ScaleParameters() =>
        _layers.Select(l => l.Quantizer.Scale).Concat(_acts.Select(a => a.Step)).ToList();

    /// <summary>Everything else: weights and biases.</summary>
    public IReadOnlyList<Tensor> WeightParameters()
    {
        var scales = new HashSet<Tensor>(ScaleParameters(), ReferenceEqualityComparer.Instance);
        return Parameters().Where(p => !scales.Contains(p)).ToList();
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        foreach (var (_, y) in ForwardStages(x)) x = y;
        return x;
    }

    /// <summary>The forward pass one stage at a time: fc1, act1, fc2, ... (for <see cref="Trainer"/>'s diagnosis of a non-finite loss).</summary>
    public IEnumerable<(string Name, Tensor Output)> ForwardStages(Tensor x)
    {
        for (int l = 0; l < _layers.Count; l++)
        {
            // The bias grid needs the input step: exact pixels for the first layer, else the previous quantizer's step.
            _layers[l].InputStep = l == 0 ? 1.0 / 255 : (_acts[l - 1].Initialized ? _acts[l - 1].Step.Data[0] : null);
            x = _layers[l].Forward(x);
            yield return ($"fc{l + 1}", x);
            if (l < _acts.Count)
            {
                x = _acts[l].Forward(x);
                yield return ($"act{l + 1}", x);
            }
        }
    }

    /// <summary>Logit step for 16-bit signed logits (<see cref="LogitCalibration"/>).</summary>
    public double CalibrateLogitStep(IdxDataset data, int samples = 2048) => LogitCalibration.Step(this, data, asImages: false, samples);

    /// <summary>Everything the freezer needs, with the trained codes' scales and the activation steps.</summary>
    public ModelSource ToModelSource(string name, double logitStep)
    {
        var layers = new LayerSource[_layers.Count];
        double inStep = 1.0 / 255;
        for (int l = 0; l < _layers.Count; l++)
        {
            var q = _layers[l];
            bool last = l + 1 == _layers.Count;
            double outStep = last ? logitStep : _acts[l].Step.Data[0];
            if (!last && !_acts[l].Initialized) throw new InvalidOperationException($"activation quantizer act{l + 1} was never initialised; train at least one batch first");
            layers[l] = new LayerSource($"fc{l + 1}", q.InFeatures, q.OutFeatures, (float[])q.Weight.Data.Clone(), (float[])q.Bias.Data.Clone(),
                WeightSpec, (float[])q.Quantizer.Scale.Data.Clone(), inStep, outStep,
                last ? IntType.S(16) : IntType.U(ActivationSpec.Bits), Relu: !last);
            inStep = outStep;
        }
        return new ModelSource(name, Spec.Sizes[0], InputType, 1.0 / 255, layers) { SqrtFracBits = Deployment.SqrtFracBits, MultiplierBits = Deployment.MultiplierBits };
    }
}
