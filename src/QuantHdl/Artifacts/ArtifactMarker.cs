using System.Reflection;
using System.Text.Json;

namespace QuantHdl.Artifacts;

/// <summary>
/// The file <see cref="FileName"/> that QuantHdl writes into every output directory it creates:
/// <code>
/// {"format": "quanthdl-artifact", "version": 1, "kind": "build", "tool": "quanthdl 1.0.0",
///  "entries": ["checkpoint", "design.json", "ir.json", "rtl", "sim", "vectors"]}
/// </code>
/// <c>kind</c> names what the directory holds (<see cref="ArtifactKind"/>); <c>entries</c> lists the
/// top-level names QuantHdl put there, including those later stages add (simulate.json, verify/). It is
/// what lets <c>--force</c> replace a directory: only one with a marker of the same kind, and only
/// when it holds no top-level entry outside that list.
/// </summary>
public sealed record ArtifactMarker(ArtifactKind Kind, IReadOnlyList<string> Entries)
{
    /// <summary>Name of the marker file.</summary>
    public const string FileName = ".quanthdl-artifact";

    private const string Format = "quanthdl-artifact";

    /// <summary>The wire name of a kind: checkpoint-fp, checkpoint-qat, build, demo or study.</summary>
    public static string Name(ArtifactKind kind) => kind switch
    {
        ArtifactKind.CheckpointFloat => "checkpoint-fp",
        ArtifactKind.CheckpointQat => "checkpoint-qat",
        ArtifactKind.Build => "build",
        ArtifactKind.Demo => "demo",
        ArtifactKind.Study => "study",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// Writes the marker of <paramref name="kind"/> into <paramref name="dir"/>, listing
    /// <paramref name="entries"/>, or by default the top-level entries the directory holds now.
    /// </summary>
    public static void Write(string dir, ArtifactKind kind, IEnumerable<string>? entries = null) =>
        Save(dir, new ArtifactMarker(kind, (entries ?? Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).OfType<string>())
            .Where(n => n != FileName && n != StagingFolder.MarkerFile).Order(StringComparer.Ordinal).ToList()));

    /// <summary>The marker in <paramref name="dir"/>, or null when there is none or it is not QuantHdl's.</summary>
    public static ArtifactMarker? Read(string dir)
    {
        var path = Path.Combine(dir, FileName);
        try
        {
            if (!File.Exists(path)) return null;
            var f = JsonSerializer.Deserialize<Wire>(File.ReadAllText(path));
            if (f is not { Format: Format, Version: 1, Kind: not null, Entries: not null }) return null;
            var kind = Enum.GetValues<ArtifactKind>().Cast<ArtifactKind?>().FirstOrDefault(k => Name(k!.Value) == f.Kind);
            return kind is null ? null : new ArtifactMarker(kind.Value, f.Entries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Adds <paramref name="names"/> to the entries of the marker in <paramref name="dir"/> (a stage that
    /// writes into an existing artifact calls this before writing). Does nothing when there is no marker.
    /// </summary>
    public static void Record(string dir, params string[] names)
    {
        var m = Read(dir);
        if (m is null || names.All(m.Entries.Contains)) return;
        Save(dir, m with { Entries = m.Entries.Union(names).Order(StringComparer.Ordinal).ToList() });
    }

    private static void Save(string dir, ArtifactMarker m) =>
        AtomicFile.WriteAllText(Path.Combine(dir, FileName),
            JsonSerializer.Serialize(new Wire(Format, 1, Name(m.Kind), Tool, [.. m.Entries])) + "\n");

    private static string Tool { get; } =
        "quanthdl " + (typeof(ArtifactMarker).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");

    private sealed record Wire(
        [property: System.Text.Json.Serialization.JsonPropertyName("format")] string? Format,
        [property: System.Text.Json.Serialization.JsonPropertyName("version")] int Version,
        [property: System.Text.Json.Serialization.JsonPropertyName("kind")] string? Kind,
        [property: System.Text.Json.Serialization.JsonPropertyName("tool")] string? Tool,
        [property: System.Text.Json.Serialization.JsonPropertyName("entries")] string[]? Entries);
}
