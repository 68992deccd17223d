using QuantHdl.Artifacts;

namespace QuantHdl.Reports;

/// <summary>
/// Writes report.html, report.md and report.json into a build. An existing file is replaced only when it carries its
/// generator marker (<see cref="HtmlReport.Marker"/> and the others), that is when <c>quanthdl report</c> wrote it;
/// anything else is refused before anything is written. The three are written into a staging folder and then moved
/// into place, so a failure leaves no half-written file.
/// </summary>
public static class ReportFiles
{
    /// <summary>The file names, each with the marker its content must carry to be replaced.</summary>
    public static readonly IReadOnlyList<(string Name, string Marker)> Files =
    [
        ("report.html", HtmlReport.Marker),
        ("report.md", MarkdownReport.Marker),
        ("report.json", JsonReport.Marker),
    ];

    /// <summary>Writes the three texts of <paramref name="r"/> into <paramref name="buildDir"/>; returns the paths.</summary>
    public static IReadOnlyList<string> Write(string buildDir, DesignReport r)
    {
        var texts = new[] { HtmlReport.Render(r), MarkdownReport.Render(r), JsonReport.Render(r) };
        var paths = Files.Select(f => Path.Combine(buildDir, f.Name)).ToArray();
        for (int i = 0; i < paths.Length; i++) CheckReplaceable(paths[i], Files[i].Marker);
        ArtifactMarker.Record(buildDir, Files.Select(f => f.Name).ToArray());
        using var staging = StagingFolder.Create(buildDir, ".report");
        for (int i = 0; i < paths.Length; i++) File.WriteAllText(Path.Combine(staging.Path, Files[i].Name), texts[i]);
        lock (CleanupRegistry.Gate)
        {
            CleanupRegistry.ThrowIfInterrupted();
            for (int i = 0; i < paths.Length; i++)
            {
                CheckReplaceable(paths[i], Files[i].Marker);
                File.Move(Path.Combine(staging.Path, Files[i].Name), paths[i], overwrite: true);
            }
        }
        return paths;
    }

    /// <summary>Throws <see cref="IOException"/> when <paramref name="path"/> exists and does not carry <paramref name="marker"/>.</summary>
    public static void CheckReplaceable(string path, string marker)
    {
        if (Directory.Exists(path)) throw new IOException($"{path} is a directory; move it away, 'quanthdl report' writes a file there");
        if (File.Exists(path) && !File.ReadAllText(path).Contains(marker, StringComparison.Ordinal))
            throw new IOException($"{path} exists and was not written by 'quanthdl report' (it lacks the generator marker); move it away to write the report");
    }
}
