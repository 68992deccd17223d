using QuantHdl.Flows;
using QuantHdl.Compiler.Ir;
using QuantHdl.Models;
using QuantHdl.Quantization;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Flow;

/// <summary>Trains a small float MLP and its POST W4A4 QAT version once for the pipeline tests.</summary>
public sealed class PipelineFixture
{
    public PipelineFixture()
    {
        Root = CliRunner.TempDir("pipeline");
        Data = FashionSubset.Path;
        var o = new TrainOptions(Epochs: 2, Seed: 3, DataDir: Data);
        TrainFlow.TrainFloat(MlpSpec.Parse("mlp:784-32-16-10"), o, FloatDir, new SilentReporter());
        TrainFlow.Qat(FloatDir, WeightSpec.Parse("post:4"), ActivationSpec.Parse("uniform:4"), o with { Epochs = 1, Lr = 5e-4 }, QatDir, new SilentReporter());
        Graph = CompileFlow.Compile(QatDir, BuildDir, new CompileOptions { DataDir = Data, Vectors = 100 }, new SilentReporter(), VerifyFlow.Emit);
        TrainFlow.Qat(FloatDir, WeightSpec.Parse("uniform:8"), ActivationSpec.Parse("uniform:8"), o with { Epochs = 1, Lr = 5e-4 }, Qat8Dir, new SilentReporter());
        CompileFlow.Compile(Qat8Dir, Build8Dir, new CompileOptions { DataDir = Data, Vectors = 100 }, new SilentReporter(), VerifyFlow.Emit);
    }

    public string Root { get; }
    public string Data { get; }
    public string FloatDir => Path.Combine(Root, "fp");
    public string QatDir => Path.Combine(Root, "qat");
    public string BuildDir => Path.Combine(Root, "build");
    public string Qat8Dir => Path.Combine(Root, "qat8");
    public string Build8Dir => Path.Combine(Root, "build8");
    public IrGraph Graph { get; }
}
