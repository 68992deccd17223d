namespace QuantHdl.Artifacts;

/// <summary>
/// Builds an output directory in a sibling staging folder (<see cref="StagingFolder"/>) and moves it into
/// place only when everything succeeded, so a failed or interrupted command never leaves a half-written
/// directory. It never deletes what QuantHdl did not write:
/// <list type="bullet">
/// <item>an existing non-empty target is refused, unless <c>force</c> is given and the target holds an
/// <see cref="ArtifactMarker"/> of the same kind and no top-level entry outside the marker's list;</item>
/// <item>the current directory, the home directory, an input of the command, and any folder containing
/// one of these, are refused even with <c>force</c>.</item>
/// </list>
/// </summary>
public sealed class OutputDirectory : IDisposable
{
    private readonly StagingFolder _staging;
    private readonly string _shown;
    private readonly bool _force;
    private readonly string[] _inputs;
    private bool _committed;

    private OutputDirectory(string shown, string final, ArtifactKind kind, bool force, string[] inputs, StagingFolder staging)
    {
        _shown = shown;
        FinalPath = final;
        Kind = kind;
        _force = force;
        _inputs = inputs;
        _staging = staging;
    }

    /// <summary>Where the finished directory will be.</summary>
    public string FinalPath { get; }

    /// <summary>Where to write meanwhile.</summary>
    public string StagingPath => _staging.Path;

    /// <summary>What the directory will hold; written into its marker.</summary>
    public ArtifactKind Kind { get; }

    /// <summary>
    /// Checks that <paramref name="path"/> may receive a <paramref name="kind"/> artifact, removes stale
    /// staging folders beside it, and starts a staging folder. <paramref name="inputs"/> are the
    /// directories the command reads, which the output may never replace. Throws
    /// <see cref="IOException"/> with the reason and the way out.
    /// </summary>
    public static OutputDirectory Begin(string path, ArtifactKind kind, bool force = false, params string[] inputs)
    {
        var full = Normalize(path);
        var fullInputs = inputs.Select(Normalize).ToArray();
        CheckTarget(path, full, kind, force, fullInputs);
        var parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        StagingFolder.SweepStale(parent);
        var staging = StagingFolder.Create(parent, "." + Path.GetFileName(full));
        return new OutputDirectory(path, full, kind, force, fullInputs, staging);
    }

    /// <summary>
    /// Throws <see cref="IOException"/> unless <paramref name="path"/> may receive a
    /// <paramref name="kind"/> artifact (see the class summary); lets a command refuse before it starts
    /// hours of work.
    /// </summary>
    public static void CheckTarget(string path, ArtifactKind kind, bool force, params string[] inputs) =>
        CheckTarget(path, Normalize(path), kind, force, inputs.Select(Normalize).ToArray());

    /// <summary>Writes the marker and moves the staged directory into place, replacing the previous one when allowed.</summary>
    public void Commit()
    {
        ArtifactMarker.Write(StagingPath, Kind);
        StagingFolder? old = null;
        lock (CleanupRegistry.Gate)
        {
            // Checked again: the target may have appeared or changed while this command ran.
            CheckTarget(_shown, FinalPath, Kind, _force, _inputs);
            if (Directory.Exists(FinalPath))
            {
                if (Directory.EnumerateFileSystemEntries(FinalPath).Any())
                    old = StagingFolder.Retire(FinalPath, "." + Path.GetFileName(FinalPath) + ".replaced");
                else
                    Directory.Delete(FinalPath); // not recursive: it is empty
            }
            _staging.MoveTo(FinalPath);
            _committed = true;
        }
        old?.Dispose();
    }

    /// <summary>Deletes the staging folder unless committed.</summary>
    public void Dispose()
    {
        if (!_committed) _staging.Dispose();
    }

    private static string Normalize(string path)
    {
        var trimmed = path.TrimEnd('/', '\\');
        return Path.GetFullPath(trimmed.Length == 0 && path.Length > 0 ? "/" : trimmed);
    }

    private static void CheckTarget(string shown, string full, ArtifactKind kind, bool force, string[] inputs)
    {
        const string wayOut = "choose a new directory for --out";
        foreach (var (what, protectedPath) in Protected(inputs))
        {
            if (full == protectedPath) throw new IOException($"--out {shown} is {what} ({protectedPath}); {wayOut}");
            if (IsAncestor(full, protectedPath)) throw new IOException($"--out {shown} contains {what} ({protectedPath}); {wayOut}");
        }
        if (File.Exists(full)) throw new IOException($"--out {shown} is a file; {wayOut}");
        if (!Directory.Exists(full)) return;
        if (new DirectoryInfo(full).LinkTarget is not null)
            throw new IOException($"--out {shown} is a symbolic link; {wayOut}");
        var entries = Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName).OfType<string>().ToList();
        if (entries.Count == 0) return;
        var want = ArtifactMarker.Name(kind);
        if (!force)
            throw new IOException($"--out {shown} already exists and is not empty; pass --force to replace a {want} that QuantHdl wrote, or {wayOut}");
        var marker = ArtifactMarker.Read(full)
            ?? throw new IOException($"--out {shown} was not written by QuantHdl (it has no {ArtifactMarker.FileName}); --force replaces only QuantHdl's own {want} directories; {wayOut}");
        if (marker.Kind != kind)
            throw new IOException($"--out {shown} holds a {ArtifactMarker.Name(marker.Kind)}, not a {want}; --force replaces only the same kind; {wayOut}");
        var foreign = entries.FirstOrDefault(e => e != ArtifactMarker.FileName && e != StagingFolder.MarkerFile && !marker.Entries.Contains(e));
        if (foreign is not null)
            throw new IOException($"--out {shown} holds '{foreign}', which QuantHdl did not write; move it away or {wayOut}");
    }

    private static IEnumerable<(string What, string Path)> Protected(string[] inputs)
    {
        yield return ("the current directory", Normalize(Environment.CurrentDirectory));
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 0) yield return ("the home directory", Normalize(home));
        foreach (var input in inputs) yield return ("an input of this command", input);
    }

    private static bool IsAncestor(string dir, string path) =>
        path.StartsWith(dir.EndsWith('/') ? dir : dir + "/", StringComparison.Ordinal);
}
