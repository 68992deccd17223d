using QuantHdl.Artifacts;
using QuantHdl.Engine.Data;
using QuantHdl.Flows;
using QuantHdl.Tests.Engine;
using QuantHdl.Verification.Verilator;

namespace QuantHdl.Tests.Flow;

/// <summary>
/// A damaged artifact gives <c>error: FILE line N: ...</c> and exit 1, never a stack trace. The damage
/// and the line it sits on are hand-made; the CLI is the real one.
/// </summary>
public class MalformedFileTests
{
    private static string DamagedBuild(string name, Action<string> damage)
    {
        var build = TinyArtifacts.CopyTo(TinyArtifacts.Build, Path.Combine(CliRunner.TempDir(name), "build"));
        damage(build);
        return build;
    }

    private static void ReplaceInputLine(string build, int line, Func<string, string> edit)
    {
        var path = Path.Combine(build, "vectors", "inputs.txt");
        var lines = File.ReadAllLines(path);
        lines[line - 1] = edit(lines[line - 1]);
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
    }

    [Theory]
    [InlineData(3, "783 values", "has 783 values, expected 784")]
    [InlineData(4, "abc", "'abc' is not a decimal integer")]
    [InlineData(5, "300", "is 300, outside the input type u8")]
    [InlineData(2, "header", "expected 'samples N size S'")]
    public void VerifyNamesTheFileAndLineOfABadInputVector(int line, string damage, string fragment)
    {
        var build = DamagedBuild("inputs", b => ReplaceInputLine(b, line, text => damage switch
        {
            "783 values" => string.Join(' ', text.Split(' ').Skip(1)),
            "abc" => "abc " + string.Join(' ', text.Split(' ').Skip(1)),
            "300" => "300 " + string.Join(' ', text.Split(' ').Skip(1)),
            _ => "samples twenty size 784",
        }));
        var (exit, _, err) = CliRunner.Run("verify", "--build", build, "--samples", "5");
        Assert.Equal(1, exit);
        CliErrorTests.AssertOneLineError(exit, err, $"inputs.txt line {line}: ");
        Assert.Contains(fragment, err);
    }

    [Fact]
    public void VerifyNamesATruncatedDesignJson()
    {
        var build = DamagedBuild("design", b =>
        {
            var path = Path.Combine(b, "design.json");
            var text = File.ReadAllText(path);
            File.WriteAllText(path, text[..(text.Length / 2)]);
        });
        var (exit, _, err) = CliRunner.Run("verify", "--build", build, "--samples", "5");
        Assert.Equal(1, exit);
        CliErrorTests.AssertOneLineError(exit, err, "design.json line ");
        Assert.Contains("not valid JSON", err);
    }

    [Fact]
    public void VerifyNamesADesignJsonWithoutTaps()
    {
        var build = DamagedBuild("design-taps", b =>
        {
            var path = Path.Combine(b, "design.json");
            File.WriteAllText(path, File.ReadAllText(path).Replace("\"taps\"", "\"tapz\""));
        });
        var (exit, _, err) = CliRunner.Run("verify", "--build", build, "--samples", "5");
        CliErrorTests.AssertOneLineError(exit, err, "design.json: field 'taps' is missing");
    }

    [Fact]
    public void CompileNamesTheLineOfATruncatedCheckpointJson()
    {
        var tmp = CliRunner.TempDir("ckpt-json");
        var qat = TinyArtifacts.CopyTo(TinyArtifacts.Qat, Path.Combine(tmp, "qat"));
        var path = Path.Combine(qat, Checkpoint.InfoFile);
        var lines = File.ReadAllLines(path);
        File.WriteAllLines(path, lines[..5]); // the object is cut after line 5
        var (exit, _, err) = CliRunner.Run("compile", "--from", qat, "--out", Path.Combine(tmp, "build"), "--data", FashionSubset.Path);
        CliErrorTests.AssertOneLineError(exit, err, $"{Checkpoint.InfoFile} line ");
        Assert.False(Directory.Exists(Path.Combine(tmp, "build")));
    }

    [Fact]
    public void ANullTensorShapeInCheckpointJsonIsNamed()
    {
        var tmp = CliRunner.TempDir("ckpt-null");
        var qat = TinyArtifacts.CopyTo(TinyArtifacts.Qat, Path.Combine(tmp, "qat"));
        var path = Path.Combine(qat, Checkpoint.InfoFile);
        var text = File.ReadAllText(path);
        int at = text.IndexOf("\"shape\": [", StringComparison.Ordinal);
        Assert.True(at > 0, "checkpoint.json has no shape field to damage");
        int end = text.IndexOf(']', at);
        File.WriteAllText(path, text[..at] + "\"shape\": null" + text[(end + 1)..]);
        var (exit, _, err) = CliRunner.Run("compile", "--from", qat, "--out", Path.Combine(tmp, "build"), "--data", FashionSubset.Path);
        CliErrorTests.AssertOneLineError(exit, err, Checkpoint.InfoFile);
    }

    [Theory]
    [InlineData("beat 0 0 0 5 0 1", 5, "has 1 values, the tap has 2 lanes")]
    [InlineData("beat 7 0 0 5 0 1 2", 5, "outside [0, 1]")]           // tap 7 of 2
    [InlineData("beat 0 0 9 5 0 1 2", 5, "outside [0, 1]")]           // beat 9 of a 2-beat frame
    [InlineData("sample 3 first_in 1 last_out 2", 5, "outside [0, 1]")]
    [InlineData("beat 0 x 0 5 0 1 2", 5, "'x'")]
    [InlineData("done cycles", 5, "needs at least 3 fields")]
    [InlineData("frobnicate 1", 5, "unknown record 'frobnicate 1'")]
    public void ATapsFileThatDoesNotFitTheFormatNamesTheLine(string bad, int line, string fragment)
    {
        var path = Path.Combine(CliRunner.TempDir("taps"), "taps.txt");
        File.WriteAllText(path, string.Join('\n',
            "quanthdl-taps 1",
            "samples 2",
            "tap 0 in lanes 2 bits 8 signed 0 size 4",
            "tap 1 out lanes 1 bits 16 signed 1 size 2",
            bad,
            "done cycles 10 samples 2") + "\n");
        var e = Assert.Throws<MalformedFileException>(() => TapRecording.Read(path));
        Assert.StartsWith($"{path} line {line}: ", e.Message);
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void AnIdxHeaderWhoseSizeOverflowsALongIsTruncatedNotAccepted()
    {
        // 2^21 x 2^21 x 2^22 pixels is 2^64: in a long the payload wraps to 0 and a 16-byte file "fits".
        var dir = CliRunner.TempDir("idx-overflow");
        File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte"), IdxDatasetTests.Idx(0x803, [1 << 21, 1 << 21, 1 << 22], []));
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), IdxDatasetTests.Idx(0x801, [1 << 21], new byte[1 << 21]));
        var e = Assert.Throws<DatasetException>(() => IdxDataset.Load(dir, train: false));
        Assert.Contains("t10k-images-idx3-ubyte' is truncated", e.Message);
    }
}
