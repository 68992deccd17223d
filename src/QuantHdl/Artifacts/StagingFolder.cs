using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace QuantHdl.Artifacts;

/// <summary>
/// A folder this process is building and will either move into place or delete. Its name ends in
/// <c>.staging.PID.START.ID</c> (see <see cref="ProcessIdentity"/>) and it holds a marker file
/// <see cref="MarkerFile"/> with the same PID and start token. It is registered with
/// <see cref="CleanupRegistry"/>, so an interrupt deletes it; and when a process died without cleaning
/// up (SIGKILL, power loss), the next run's <see cref="SweepStale"/> deletes it. Only folders with both
/// the name and the marker are ever swept.
/// </summary>
public sealed partial class StagingFolder : IDisposable
{
    /// <summary>Marker file inside every staging folder.</summary>
    public const string MarkerFile = ".quanthdl-staging";

    private bool _done;

    private StagingFolder(string path) => Path = path;

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>Creates <c>parent/stem.staging.PID.START.ID</c> with its marker.</summary>
    public static StagingFolder Create(string parent, string stem)
    {
        var path = NewPath(parent, stem);
        CleanupRegistry.AddPath(path);
        try
        {
            Directory.CreateDirectory(path);
            WriteMarker(path);
        }
        catch
        {
            CleanupRegistry.RemovePath(path);
            if (Directory.Exists(path)) Directory.Delete(path, true);
            throw;
        }
        return new StagingFolder(path);
    }

    /// <summary>
    /// Takes over a finished directory that is about to be replaced: marks it and renames it to a
    /// staging name, so that it is swept if this process dies before deleting it. Call with
    /// <see cref="CleanupRegistry.Gate"/> held.
    /// </summary>
    internal static StagingFolder Retire(string dir, string stem)
    {
        var path = NewPath(System.IO.Path.GetDirectoryName(dir)!, stem);
        CleanupRegistry.AddPath(path);
        WriteMarker(dir);
        try
        {
            Directory.Move(dir, path);
        }
        catch
        {
            File.Delete(System.IO.Path.Combine(dir, MarkerFile));
            CleanupRegistry.RemovePath(path);
            throw;
        }
        return new StagingFolder(path);
    }

    /// <summary>
    /// Renames the folder to <paramref name="final"/> and removes its marker; from then on it is a finished
    /// directory that neither an interrupt nor a sweep touches.
    /// </summary>
    public void MoveTo(string final)
    {
        lock (CleanupRegistry.Gate)
        {
            CleanupRegistry.ThrowIfInterrupted();
            Directory.Move(Path, final);
            _done = true;
            CleanupRegistry.RemovePath(Path);
        }
        File.Delete(System.IO.Path.Combine(final, MarkerFile));
    }

    /// <summary>Deletes the folder unless it was moved into place.</summary>
    public void Dispose()
    {
        if (_done) return;
        _done = true;
        try
        {
            if (Directory.Exists(Path)) Directory.Delete(Path, true);
        }
        catch (Exception e) when ((e is IOException or UnauthorizedAccessException) && CleanupRegistry.Interrupted)
        {
            // The interrupt handler is deleting it at the same time.
        }
        CleanupRegistry.RemovePath(Path);
    }

    /// <summary>
    /// Deletes the staging folders in <paramref name="parent"/> whose process is gone: those whose name
    /// matches the staging pattern and whose marker names the same PID and start token. Returns how many.
    /// </summary>
    public static int SweepStale(string parent)
    {
        if (!Directory.Exists(parent)) return 0;
        int swept = 0;
        foreach (var dir in Directory.EnumerateDirectories(parent))
        {
            var m = NamePattern().Match(System.IO.Path.GetFileName(dir));
            if (!m.Success) continue;
            if (!int.TryParse(m.Groups["pid"].Value, CultureInfo.InvariantCulture, out int pid) ||
                !long.TryParse(m.Groups["start"].Value, CultureInfo.InvariantCulture, out long start)) continue;
            if (ReadMarker(dir) != (pid, start) || ProcessIdentity.IsAlive(pid, start)) continue;
            if (File.GetAttributes(dir).HasFlag(FileAttributes.ReparsePoint)) continue; // never follow a link
            try
            {
                Directory.Delete(dir, true);
                swept++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another process is sweeping the same folder; it will finish the job.
            }
        }
        return swept;
    }

    /// <summary>True when <paramref name="name"/> is a staging folder's name (any process).</summary>
    public static bool IsStagingName(string name) => NamePattern().IsMatch(name);

    private static string NewPath(string parent, string stem) =>
        System.IO.Path.Combine(parent, $"{stem}.staging.{Environment.ProcessId}.{ProcessIdentity.CurrentStart}.{Guid.NewGuid():N}");

    /// <summary>
    /// Writes the marker through a temporary name and a rename, so the marker is either absent or
    /// complete: a process killed mid-write never leaves a marker that cannot be read (and so a folder
    /// that looks foreign and is never swept).
    /// </summary>
    private static void WriteMarker(string dir)
    {
        var marker = System.IO.Path.Combine(dir, MarkerFile);
        var tmp = marker + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(new Marker("quanthdl-staging", Environment.ProcessId, ProcessIdentity.CurrentStart)) + "\n");
        File.Move(tmp, marker, overwrite: true);
    }

    private static (int, long)? ReadMarker(string dir)
    {
        try
        {
            var m = JsonSerializer.Deserialize<Marker>(File.ReadAllText(System.IO.Path.Combine(dir, MarkerFile)));
            return m is { Format: "quanthdl-staging" } ? (m.Pid, m.Start) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    private sealed record Marker(string Format, int Pid, long Start);

    [GeneratedRegex(@"^.+\.staging\.(?<pid>[0-9]{1,10})\.(?<start>[0-9]{1,20})\.[0-9a-f]{32}$")]
    private static partial Regex NamePattern();
}
