using QuantHdl.Tests.Hdl;

namespace QuantHdl.Tests.Freezing;

/// <summary>
/// The freezer reads the fake-quant model, never the other way round (docs/architecture.md): the
/// quantization and model stages name nothing of the compiler, so another producer of source records
/// (a PTQ stage) needs no change to them.
/// </summary>
public class DependencyDirectionTests
{
    [Theory]
    [InlineData("Quantization", "QuantHdl.Compiler")]
    [InlineData("Models", "QuantHdl.Compiler")]
    [InlineData("Models", "QuantHdl.Quantization")]
    public void AStageDoesNotNameALaterOne(string folder, string later)
    {
        var dir = Path.Combine(RtlEmitterTests.RepoRoot(), "src", "QuantHdl", folder);
        var files = Directory.GetFiles(dir, "*.cs", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        var offenders = files.Where(f => File.ReadAllText(f).Contains(later, StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(dir, f)).ToArray();
        Assert.True(offenders.Length == 0, $"{folder}/ names {later} in {string.Join(", ", offenders)}");
    }
}
