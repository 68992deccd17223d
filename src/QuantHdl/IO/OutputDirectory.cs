namespace QuantHdl;

/// <summary>
/// Builds an output directory in a sibling staging folder and moves it into place only when
/// everything succeeded, so a failed command never leaves a half-written directory.
/// </summary>
public sealed class OutputDirectory : IDisposable
{
    private bool _committed;

    private OutputDirectory(string final, string staging)
    {
        FinalPath = final;
        StagingPath = staging;
    }

    /// <summary>Where the finished directory will be.</summary>
    public string FinalPath { get; }

    /// <summary>Where to write meanwhile.</summary>
    public string StagingPath { get; }

    /// <summary>Starts a staged directory for <paramref name="path"/>.</summary>
    public static OutputDirectory Begin(string path)
    {
        var full = Path.GetFullPath(path.TrimEnd('/', '\\'));
        var parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(full)}.staging.{Environment.ProcessId}");
        if (Directory.Exists(staging)) Directory.Delete(staging, true);
        Directory.CreateDirectory(staging);
        return new OutputDirectory(full, staging);
    }

    /// <summary>Replaces any previous directory at the final path with the staged one.</summary>
    public void Commit()
    {
        if (Directory.Exists(FinalPath))
        {
            var old = FinalPath + $".old.{Environment.ProcessId}";
            Directory.Move(FinalPath, old);
            Directory.Move(StagingPath, FinalPath);
            Directory.Delete(old, true);
        }
        else
        {
            Directory.Move(StagingPath, FinalPath);
        }
        _committed = true;
    }

    /// <summary>Deletes the staging folder unless committed.</summary>
    public void Dispose()
    {
        if (!_committed && Directory.Exists(StagingPath)) Directory.Delete(StagingPath, true);
    }
}
