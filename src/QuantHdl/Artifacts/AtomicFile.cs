namespace QuantHdl.Artifacts;

/// <summary>
/// Writes files so a failure never leaves a half-written one: temp file in the same folder, then rename.
/// The temp file is registered with <see cref="CleanupRegistry"/>, so an interrupt deletes it too.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes text atomically.</summary>
    public static void WriteAllText(string path, string text) => Write(path, tmp => File.WriteAllText(tmp, text));

    /// <summary>Writes bytes atomically.</summary>
    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, tmp => File.WriteAllBytes(tmp, bytes));

    private static void Write(string path, Action<string> write)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        // Registering first means that after an interrupt no write starts, and no folder the
        // interrupt just deleted is created again.
        var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp");
        CleanupRegistry.AddPath(tmp);
        try
        {
            Directory.CreateDirectory(dir);
            write(tmp);
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            if (File.Exists(tmp)) File.Delete(tmp);
            throw;
        }
        finally
        {
            CleanupRegistry.RemovePath(tmp);
        }
    }
}
