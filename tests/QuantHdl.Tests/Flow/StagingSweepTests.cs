using System.Diagnostics;
using QuantHdl.Artifacts;

namespace QuantHdl.Tests.Flow;

/// <summary>
/// The sweep of stale staging folders deletes a folder only when its name has QuantHdl's staging
/// pattern, its marker names the same process, and that process is gone; the cases are listed by hand.
/// </summary>
public class StagingSweepTests
{
    private static int DeadPid()
    {
        using var p = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        p.WaitForExit();
        return p.Id;
    }

    private static long OwnStart()
    {
        var s = File.ReadAllText($"/proc/{Environment.ProcessId}/stat");
        return long.Parse(s[(s.LastIndexOf(')') + 2)..].Split(' ')[19]);
    }

    private static string Folder(string parent, string name, (int Pid, long Start)? marker)
    {
        var d = Path.Combine(parent, name);
        Directory.CreateDirectory(d);
        File.WriteAllText(Path.Combine(d, "payload.txt"), "x");
        if (marker is { } m)
            File.WriteAllText(Path.Combine(d, StagingFolder.MarkerFile), $"{{\"Format\":\"quanthdl-staging\",\"Pid\":{m.Pid},\"Start\":{m.Start}}}\n");
        return d;
    }

    [Fact]
    public void OnlyMarkedFoldersOfDeadProcessesAreSwept()
    {
        var parent = CliRunner.TempDir("sweep");
        int dead = DeadPid();
        int me = Environment.ProcessId;
        long myStart = OwnStart();
        const string id = "0123456789abcdef0123456789abcdef";
        var deadRun = Folder(parent, $".fp.staging.{dead}.42.{id}", (dead, 42));
        var reusedPid = Folder(parent, $".qat.staging.{me}.{myStart + 1}.{id}", (me, myStart + 1)); // same PID, other start: a new process
        var live = Folder(parent, $".build.staging.{me}.{myStart}.{id}", (me, myStart));
        var unmarked = Folder(parent, $".x.staging.{dead}.42.{id}", null);
        var otherMarker = Folder(parent, $".y.staging.{dead}.42.{id}", (dead + 1, 42));
        var otherName = Folder(parent, "notes.staging", (dead, 42));
        var otherName2 = Folder(parent, $".z.staging.{dead}.42", (dead, 42));

        using (OutputDirectory.Begin(Path.Combine(parent, "fp"), ArtifactKind.CheckpointFloat)) { }

        Assert.False(Directory.Exists(deadRun));
        Assert.False(Directory.Exists(reusedPid));
        foreach (var kept in new[] { live, unmarked, otherMarker, otherName, otherName2 })
            Assert.True(File.Exists(Path.Combine(kept, "payload.txt")), $"{Path.GetFileName(kept)} was swept");
        Assert.False(Directory.Exists(Path.Combine(parent, "fp"))); // disposed without commit
        Assert.Equal(5, Directory.GetDirectories(parent).Length);
    }
}
