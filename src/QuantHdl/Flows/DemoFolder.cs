using QuantHdl.Artifacts;

namespace QuantHdl.Flows;

/// <summary>
/// The folder of <c>quanthdl demo</c> (runs/demo by default): a <see cref="ArtifactKind.Demo"/> marker and
/// the subfolders fp/, qat/ and build/. A rerun replaces those three, each only if it is the artifact
/// QuantHdl wrote there; a folder that holds anything else, or was not made by the demo, is refused
/// before any work starts.
/// </summary>
public static class DemoFolder
{
    /// <summary>Subfolder names and the artifact each must hold.</summary>
    public static readonly IReadOnlyList<(string Name, ArtifactKind Kind)> Parts =
    [
        ("fp", ArtifactKind.CheckpointFloat),
        ("qat", ArtifactKind.CheckpointQat),
        ("build", ArtifactKind.Build),
    ];

    /// <summary>
    /// Checks <paramref name="root"/> (creating and marking it when new or empty) and returns the paths of
    /// fp/, qat/ and build/. Throws <see cref="IOException"/> naming what is in the way.
    /// </summary>
    public static (string Fp, string Qat, string Build) Prepare(string root, string dataDir)
    {
        var full = Path.GetFullPath(root);
        if (File.Exists(full)) throw new IOException($"--out {root} is a file; choose a new directory for --out");
        Directory.CreateDirectory(full);
        StagingFolder.SweepStale(full);
        var entries = Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName).OfType<string>().ToList();
        if (entries.Count > 0)
        {
            if (ArtifactMarker.Read(full)?.Kind != ArtifactKind.Demo)
                throw new IOException($"--out {root} already exists and was not written by 'quanthdl demo' (no demo {ArtifactMarker.FileName}); choose a new directory for --out");
            var foreign = entries.FirstOrDefault(e => e != ArtifactMarker.FileName && Parts.All(p => p.Name != e));
            if (foreign is not null)
                throw new IOException($"--out {root} holds '{foreign}', which 'quanthdl demo' did not write; move it away or choose a new directory for --out");
        }
        // Each part is checked now, so that a rerun never trains for minutes and then refuses build/.
        foreach (var (name, kind) in Parts)
            OutputDirectory.CheckTarget(Path.Combine(root, name), kind, force: true, dataDir);
        if (ArtifactMarker.Read(full) is null) ArtifactMarker.Write(full, ArtifactKind.Demo, Parts.Select(p => p.Name));
        return (Path.Combine(root, "fp"), Path.Combine(root, "qat"), Path.Combine(root, "build"));
    }
}
