using QuantHdl.Flows;
using QuantHdl.Compiler.Ir;
using QuantHdl.Quantization;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Flow;

/// <summary>
/// Trains a small CNN on the Fashion-MNIST subset, runs POST W4A4 QAT and compiles it (here without
/// the RTL back end; CnnPipelineTests compiles it again with RTL through the CLI), once for
/// <see cref="CnnPipelineTests"/>. A second float model has a batch norm, to take folding through the flow.
/// </summary>
public sealed class CnnPipelineFixture
{
    public const string Spec = "cnn:c4k5-relu-mp2-c8k5-relu-mp2-fc10";
    public const string BnSpec = "cnn:c4k5-bn-relu-mp2-c8k3-relu-mp2-fc10";

    public static readonly TrainOptions Float = new(Epochs: 3, Seed: 5, Lr: 3e-3, DataDir: FashionSubset.Path);
    public static readonly TrainOptions Quant = Float with { Epochs = 1, Lr = 1e-3 };

    public CnnPipelineFixture()
    {
        Root = CliRunner.TempDir("cnn-pipeline");
        Data = FashionSubset.Path;
        Inputs = Run(Root, Spec);
        TrainFlow.TrainFloat(BnSpec, Float, BnFloatDir, new SilentReporter());
        TrainFlow.Qat(BnFloatDir, WeightSpec.Parse("post:4"), ActivationSpec.Parse("uniform:4"), Quant, BnQatDir, new SilentReporter());
    }

    /// <summary>train -> qat -> compile under <paramref name="root"/>; returns the vectors compile handed to the emit callback.</summary>
    public static long[][] Run(string root, string spec)
    {
        long[][] captured = [];
        TrainFlow.TrainFloat(spec, Float, Path.Combine(root, "fp"), new SilentReporter());
        TrainFlow.Qat(Path.Combine(root, "fp"), WeightSpec.Parse("post:4"), ActivationSpec.Parse("uniform:4"), Quant, Path.Combine(root, "qat"), new SilentReporter());
        CompileFlow.Compile(Path.Combine(root, "qat"), Path.Combine(root, "build"), new CompileOptions { DataDir = FashionSubset.Path, Vectors = 50 }, new SilentReporter(),
            emit: (_, _, inputs) => captured = inputs);
        return captured;
    }

    public string Root { get; }
    public string Data { get; }
    public string FloatDir => Path.Combine(Root, "fp");
    public string QatDir => Path.Combine(Root, "qat");
    public string BuildDir => Path.Combine(Root, "build");
    public string BnFloatDir => Path.Combine(Root, "bn-fp");
    public string BnQatDir => Path.Combine(Root, "bn-qat");
    public long[][] Inputs { get; }
}
