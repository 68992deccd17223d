using QuantHdl.Artifacts;
using QuantHdl.Flows;

namespace QuantHdl.Tests.Flow;

/// <summary>
/// What --out may replace: nothing that exists and is not empty, and with --force only a directory
/// that QuantHdl wrote, of the same kind, holding nothing else; never the input, '.', or the home
/// directory. Each case runs the real CLI; the reference is the directory's content before the run.
/// </summary>
public class OutputDirectoryTests
{
    private static readonly string Data = FashionSubset.Path;

    private static string[] Train(string outDir, params string[] extra) =>
        ["train", "--model", "mlp:784-16-10", "--epochs", "0", "--data", Data, "--out", outDir, .. extra];

    private static void AssertNoStagingLeft(string parent) =>
        Assert.DoesNotContain(Directory.GetFileSystemEntries(parent), e => Path.GetFileName(e).Contains(".staging."));

    private static string Victim(string tmp)
    {
        var victim = Path.Combine(tmp, "victim");
        Directory.CreateDirectory(Path.Combine(victim, "important"));
        File.WriteAllText(Path.Combine(victim, "important", "thesis.txt"), "precious");
        return victim;
    }

    private static void AssertVictimIntact(string victim)
    {
        Assert.Equal("precious", File.ReadAllText(Path.Combine(victim, "important", "thesis.txt")));
        Assert.Single(Directory.GetFileSystemEntries(victim));
    }

    [Fact]
    public void AnExistingNonEmptyOutIsRefusedAndLeftAlone()
    {
        var tmp = CliRunner.TempDir("victim");
        var victim = Victim(tmp);
        var (exit, _, err) = CliRunner.Run("compile", "--from", TinyArtifacts.Qat, "--out", victim, "--data", Data);
        CliErrorTests.AssertOneLineError(exit, err, "--force");
        AssertVictimIntact(victim);
        AssertNoStagingLeft(tmp);
    }

    [Fact]
    public void ForceDoesNotReplaceADirectoryQuantHdlDidNotWrite()
    {
        var tmp = CliRunner.TempDir("victim-force");
        var victim = Victim(tmp);
        var (exit, _, err) = CliRunner.Run("compile", "--from", TinyArtifacts.Qat, "--out", victim, "--data", Data, "--force");
        CliErrorTests.AssertOneLineError(exit, err, "not written by QuantHdl");
        AssertVictimIntact(victim);
        AssertNoStagingLeft(tmp);
    }

    [Fact]
    public void ForceReplacesACheckpointOfTheSameKindAndOnlyWithForce()
    {
        var tmp = CliRunner.TempDir("force-same");
        var fp = TinyArtifacts.CopyTo(TinyArtifacts.Float, Path.Combine(tmp, "fp"));
        var before = File.ReadAllBytes(Path.Combine(fp, Checkpoint.DataFile));

        var (exit, _, err) = CliRunner.Run(Train(fp, "--seed", "7"));
        CliErrorTests.AssertOneLineError(exit, err, "--force");
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(fp, Checkpoint.DataFile)));

        (exit, _, err) = CliRunner.Run(Train(fp, "--seed", "7", "--force"));
        Assert.True(exit == 0, err);
        // Seed 7 initializes other weights than the fixture's seed 1: the directory was really replaced.
        Assert.NotEqual(before, File.ReadAllBytes(Path.Combine(fp, Checkpoint.DataFile)));
        Assert.Equal(ArtifactKind.CheckpointFloat, ArtifactMarker.Read(fp)!.Kind);
        Assert.Equal(["fp"], Directory.GetFileSystemEntries(tmp).Select(Path.GetFileName));
    }

    [Fact]
    public void ForceRefusesAnArtifactOfAnotherKind()
    {
        var tmp = CliRunner.TempDir("force-kind");
        var qat = TinyArtifacts.CopyTo(TinyArtifacts.Qat, Path.Combine(tmp, "qat"));
        var (exit, _, err) = CliRunner.Run(Train(qat, "--force"));
        CliErrorTests.AssertOneLineError(exit, err, "holds a checkpoint-qat, not a checkpoint-fp");
        Assert.Equal("qat", ModelStore.LoadQat(qat).Info.Kind);
    }

    [Fact]
    public void ForceRefusesAMarkedDirectoryThatHoldsAForeignFile()
    {
        var tmp = CliRunner.TempDir("force-foreign");
        var fp = TinyArtifacts.CopyTo(TinyArtifacts.Float, Path.Combine(tmp, "fp"));
        File.WriteAllText(Path.Combine(fp, "notes.txt"), "mine");
        var (exit, _, err) = CliRunner.Run(Train(fp, "--force"));
        CliErrorTests.AssertOneLineError(exit, err, "'notes.txt'");
        Assert.Equal("mine", File.ReadAllText(Path.Combine(fp, "notes.txt")));
    }

    [Fact]
    public void ForceNeverReplacesTheFromDirectory()
    {
        var tmp = CliRunner.TempDir("force-from");
        var qat = TinyArtifacts.CopyTo(TinyArtifacts.Qat, Path.Combine(tmp, "qat"));
        var (exit, _, err) = CliRunner.Run("compile", "--from", qat, "--out", qat, "--data", Data, "--force");
        CliErrorTests.AssertOneLineError(exit, err, "is an input of this command");
        Assert.Equal("qat", ModelStore.LoadQat(qat).Info.Kind);
        AssertNoStagingLeft(tmp);
    }

    [Fact]
    public void ForceNeverReplacesAParentOfTheInput()
    {
        // build/checkpoint is a QAT checkpoint inside a build directory, so only the parent rule stops this.
        var tmp = CliRunner.TempDir("force-parent");
        var build = TinyArtifacts.CopyTo(TinyArtifacts.Build, Path.Combine(tmp, "build"));
        var ir = File.ReadAllText(Path.Combine(build, CompileFlow.IrFile));
        var (exit, _, err) = CliRunner.Run("compile", "--from", Path.Combine(build, CompileFlow.CheckpointDir), "--out", build, "--data", Data, "--force");
        CliErrorTests.AssertOneLineError(exit, err, "contains an input of this command");
        Assert.Equal(ir, File.ReadAllText(Path.Combine(build, CompileFlow.IrFile)));
    }

    [Fact]
    public void ForceNeverReplacesTheCurrentDirectory()
    {
        // The current directory is itself a float checkpoint, so only the '.' rule stops this.
        var cwd = TinyArtifacts.CopyTo(TinyArtifacts.Float, Path.Combine(CliRunner.TempDir("force-cwd"), "fp"));
        var (exit, _, err) = CliRunner.RunIn(cwd, null, Train(".", "--force"));
        CliErrorTests.AssertOneLineError(exit, err, "current directory");
        Assert.True(File.Exists(Path.Combine(cwd, Checkpoint.DataFile)));
    }

    [Fact]
    public void ForceNeverReplacesTheHomeDirectory()
    {
        var home = TinyArtifacts.CopyTo(TinyArtifacts.Float, Path.Combine(CliRunner.TempDir("force-home"), "home"));
        var (exit, _, err) = CliRunner.RunIn(null, new Dictionary<string, string> { ["HOME"] = home }, Train(home, "--force"));
        CliErrorTests.AssertOneLineError(exit, err, "home directory");
        Assert.True(File.Exists(Path.Combine(home, Checkpoint.DataFile)));
    }

    [Fact]
    public void AnEmptyExistingDirectoryIsFilled()
    {
        var fp = Path.Combine(CliRunner.TempDir("empty"), "fp");
        Directory.CreateDirectory(fp);
        var (exit, _, err) = CliRunner.Run(Train(fp));
        Assert.True(exit == 0, err);
        Assert.True(File.Exists(Path.Combine(fp, Checkpoint.DataFile)));
    }

    [Fact]
    public void ForceReplacesABuildThatSimulateAddedTo()
    {
        // simulate.json is written by a later stage; the build's marker lists it, so it is not foreign.
        var tmp = CliRunner.TempDir("force-build");
        var build = TinyArtifacts.CopyTo(TinyArtifacts.Build, Path.Combine(tmp, "build"));
        var (exit, _, err) = CliRunner.Run("simulate", "--build", build, "--data", Data, "--limit", "10");
        Assert.True(exit == 0, err);
        Assert.Contains(SimulateFlow.ReportFile, ArtifactMarker.Read(build)!.Entries);
        (exit, _, err) = CliRunner.Run("compile", "--from", TinyArtifacts.Qat, "--out", build, "--data", Data, "--vectors", "5", "--force");
        Assert.True(exit == 0, err);
        Assert.False(File.Exists(Path.Combine(build, SimulateFlow.ReportFile)));
        Assert.Equal(7, File.ReadAllLines(Path.Combine(build, "vectors", "inputs.txt")).Length); // header, count, 5 frames
        Assert.Equal(["build"], Directory.GetFileSystemEntries(tmp).Select(Path.GetFileName));
    }

    [Fact]
    public void TheDemoFolderIsReusedOnlyWhenItHoldsNothingButTheDemosOwnOutput()
    {
        var tmp = CliRunner.TempDir("demo");
        var demo = Path.Combine(tmp, "demo");
        var (fp, qat, build) = DemoFolder.Prepare(demo, Data);
        Assert.Equal(ArtifactKind.Demo, ArtifactMarker.Read(demo)!.Kind);
        TinyArtifacts.CopyTo(TinyArtifacts.Float, fp);
        TinyArtifacts.CopyTo(TinyArtifacts.Qat, qat);
        TinyArtifacts.CopyTo(TinyArtifacts.Build, build);
        DemoFolder.Prepare(demo, Data); // a rerun over its own output

        File.WriteAllText(Path.Combine(demo, "notes.txt"), "mine");
        var e = Assert.Throws<IOException>(() => DemoFolder.Prepare(demo, Data));
        Assert.Contains("'notes.txt'", e.Message);
        File.Delete(Path.Combine(demo, "notes.txt"));

        File.WriteAllText(Path.Combine(build, "notes.txt"), "mine");
        e = Assert.Throws<IOException>(() => DemoFolder.Prepare(demo, Data));
        Assert.Contains("'notes.txt'", e.Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(build, "notes.txt")));

        var plain = Path.Combine(tmp, "plain");
        Directory.CreateDirectory(plain);
        File.WriteAllText(Path.Combine(plain, "x"), "");
        e = Assert.Throws<IOException>(() => DemoFolder.Prepare(plain, Data));
        Assert.Contains("not written by 'quanthdl demo'", e.Message);
    }
}
