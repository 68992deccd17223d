using QuantHdl.Flows;
using QuantHdl.Compiler.Ir;
using QuantHdl.Models;
using QuantHdl.Quantization;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Flow;

/// <summary>
/// Untrained (0-epoch) checkpoints and a build of a tiny MLP, made once per test run in a few seconds,
/// for tests of what the commands write and refuse rather than of accuracy.
/// </summary>
internal static class TinyArtifacts
{
    private static readonly Lazy<string> Root = new(Create);

    /// <summary>A float checkpoint of mlp:784-16-10 (QuantHdl wrote it; marker present).</summary>
    public static string Float => Path.Combine(Root.Value, "fp");

    /// <summary>Its POST W4A4 QAT checkpoint.</summary>
    public static string Qat => Path.Combine(Root.Value, "qat");

    /// <summary>Its build directory with 20 vectors; treat as read-only (copy it to change it).</summary>
    public static string Build => Path.Combine(Root.Value, "build");

    /// <summary>A build of an untrained mlp:784-256-256-10, slow enough in the golden simulator to interrupt.</summary>
    public static string WideBuild => Path.Combine(Root.Value, "wide-build");

    private static string Create()
    {
        var root = CliRunner.TempDir("tiny");
        var o = new TrainOptions(Epochs: 0, Seed: 1, DataDir: FashionSubset.Path);
        TrainFlow.TrainFloat(MlpSpec.Parse("mlp:784-16-10"), o, Path.Combine(root, "fp"), new SilentReporter());
        TrainFlow.Qat(Path.Combine(root, "fp"), WeightSpec.Parse("post:4"), ActivationSpec.Parse("uniform:4"), o, Path.Combine(root, "qat"), new SilentReporter());
        CompileFlow.Compile(Path.Combine(root, "qat"), Path.Combine(root, "build"), new CompileOptions { DataDir = FashionSubset.Path, Vectors = 20 }, new SilentReporter(), VerifyFlow.Emit);
        TrainFlow.TrainFloat(MlpSpec.Parse("mlp:784-256-256-10"), o, Path.Combine(root, "wide-fp"), new SilentReporter());
        TrainFlow.Qat(Path.Combine(root, "wide-fp"), WeightSpec.Parse("post:4"), ActivationSpec.Parse("uniform:4"), o, Path.Combine(root, "wide-qat"), new SilentReporter());
        CompileFlow.Compile(Path.Combine(root, "wide-qat"), Path.Combine(root, "wide-build"), new CompileOptions { DataDir = FashionSubset.Path, Vectors = 1 }, new SilentReporter(), VerifyFlow.Emit);
        return root;
    }

    /// <summary>Copies a directory tree (for tests that damage or replace an artifact).</summary>
    public static string CopyTo(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var d in Directory.GetDirectories(source, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, d)));
        foreach (var f in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
            File.Copy(f, Path.Combine(target, Path.GetRelativePath(source, f)));
        return target;
    }
}
