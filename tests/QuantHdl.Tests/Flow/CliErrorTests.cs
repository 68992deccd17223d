namespace QuantHdl.Tests.Flow;

/// <summary>Bad input: a one-line error naming the problem, a non-zero exit, and no half-written output.</summary>
public class CliErrorTests
{
    internal static void AssertOneLineError(int exit, string err, string fragment)
    {
        Assert.NotEqual(0, exit);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(fragment, lines[0]);
    }

    [Fact]
    public void MissingDatasetIsNamedAndNothingIsWritten()
    {
        var tmp = CliRunner.TempDir("nodata");
        var outDir = Path.Combine(tmp, "fp");
        var (exit, _, err) = CliRunner.Run("train", "--epochs", "1", "--data", "/nonexistent/fmnist", "--out", outDir);
        AssertOneLineError(exit, err, "/nonexistent/fmnist");
        Assert.False(Directory.Exists(outDir));
        Assert.Empty(Directory.GetFileSystemEntries(tmp));
    }

    [Theory]
    [InlineData("mlp:784-x-10", "'x'")]
    [InlineData("cnn:784-10", "unknown")]
    [InlineData("mlp:784", "at least")]
    public void UnknownModelSpecIsRejected(string spec, string fragment)
    {
        var tmp = CliRunner.TempDir("spec");
        var (exit, _, err) = CliRunner.Run("train", "--model", spec, "--out", Path.Combine(tmp, "fp"));
        AssertOneLineError(exit, err, fragment);
        Assert.Empty(Directory.GetFileSystemEntries(tmp));
    }

    [Theory]
    [InlineData("cnn:c6k5-relu-bogus", "token 'bogus' is unknown")]
    [InlineData("cnn:c6k29-relu-fc10", "kernel 29")]
    [InlineData("cnn:c6k5-relu-mp2-c16k5-relu-mp2-c16k5-relu-fc10", "kernel 5x5 is larger than its 4x4 input")]
    [InlineData("cnn:c6k5-relu-mp2", "must end with a dense logit layer")]
    [InlineData("cnn:c6k5-relu-fc10-relu-mp2-fc10", "pooling needs a spatial input")]
    [InlineData("cnn:relu-bn-fc10", "must follow a conv")]
    [InlineData("mlp:100-10", "takes 100 inputs but the samples have 784")]
    [InlineData("lenet7", "unknown")]
    public void ImpossibleCnnSpecsAreRejectedBeforeTraining(string spec, string fragment)
    {
        // Checked against the data set's 1x28x28 samples; nothing is trained and nothing is left behind.
        var tmp = CliRunner.TempDir("cnnspec");
        var (exit, stdout, err) = CliRunner.Run("train", "--model", spec, "--epochs", "1", "--out", Path.Combine(tmp, "fp"));
        AssertOneLineError(exit, err, fragment);
        Assert.DoesNotContain("epoch", stdout);
        Assert.Empty(Directory.GetFileSystemEntries(tmp));
    }

    [Theory]
    [InlineData("post:0", "uniform:4", "out of range")]
    [InlineData("post:17", "uniform:4", "out of range")]
    [InlineData("uniform:4", "uniform:0", "out of range")]
    [InlineData("uniform:4", "uniform:17", "out of range")]
    public void BitWidthsOutsideOneToSixteenAreRejected(string weights, string acts, string fragment)
    {
        var tmp = CliRunner.TempDir("bits");
        var (exit, _, err) = CliRunner.Run("qat", "--from", tmp, "--weights", weights, "--acts", acts, "--out", Path.Combine(tmp, "q"));
        AssertOneLineError(exit, err, fragment);
        Assert.False(Directory.Exists(Path.Combine(tmp, "q")));
    }

    [Fact]
    public void QatOfACnnWithoutItsReluIsRefusedNamingTheConv()
    {
        // Float training accepts any valid graph; QAT needs unsigned codes after every hidden conv.
        var tmp = CliRunner.TempDir("norelu");
        var fp = Path.Combine(tmp, "fp");
        var (trainExit, _, trainErr) = CliRunner.Run("train", "--model", "cnn:c2k5-fc10", "--epochs", "0", "--data", FashionSubset.Path, "--out", fp);
        Assert.True(trainExit == 0, trainErr);
        var (exit, _, err) = CliRunner.Run("qat", "--from", fp, "--epochs", "1", "--data", FashionSubset.Path, "--out", Path.Combine(tmp, "q"));
        AssertOneLineError(exit, err, "node conv1: a hidden conv must be followed by relu");
        Assert.False(Directory.Exists(Path.Combine(tmp, "q")));
    }

    [Fact]
    public void MissingCheckpointIsNamed()
    {
        var tmp = CliRunner.TempDir("nockpt");
        var (exit, _, err) = CliRunner.Run("qat", "--from", Path.Combine(tmp, "nothing"), "--out", Path.Combine(tmp, "q"));
        AssertOneLineError(exit, err, "nothing");
    }

    [Fact]
    public void MissingIrJsonSaysToCompile()
    {
        var tmp = CliRunner.TempDir("noir");
        var (exit, _, err) = CliRunner.Run("simulate", "--build", tmp);
        AssertOneLineError(exit, err, "compile");
    }

    [Fact]
    public void HelpExplainsEveryStage()
    {
        var (exit, stdout, _) = CliRunner.Run("--help");
        Assert.Equal(0, exit);
        foreach (var cmd in new[] { "train", "qat", "compile", "simulate", "verify", "demo" }) Assert.Contains(cmd, stdout);
    }
}
