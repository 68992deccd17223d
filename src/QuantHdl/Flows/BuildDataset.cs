using System.Text.Json;
using QuantHdl.Artifacts;

namespace QuantHdl.Flows;

/// <summary>
/// The data set a build was compiled against, recorded in <c>BUILD/dataset.json</c> so that
/// <c>simulate</c> evaluates on the same data unless told otherwise.
/// </summary>
public sealed record BuildDataset(string DataDir, int Classes, int Features)
{
    /// <summary>File name inside a build directory.</summary>
    public const string FileName = "dataset.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>Writes the record into <paramref name="buildDir"/> atomically.</summary>
    public void Save(string buildDir) => AtomicFile.WriteAllText(Path.Combine(buildDir, FileName), JsonSerializer.Serialize(this, Options) + "\n");

    /// <summary>Reads the record; throws <see cref="ArgumentException"/> naming the file when it is missing or malformed.</summary>
    public static BuildDataset Load(string buildDir)
    {
        var path = Path.Combine(buildDir, FileName);
        if (!File.Exists(path))
            throw new ArgumentException($"{path} is missing, so the data set of this build is unknown; pass --data DIR or run 'quanthdl compile' again");
        try
        {
            var d = JsonSerializer.Deserialize<BuildDataset>(File.ReadAllText(path), Options);
            if (d is null || string.IsNullOrEmpty(d.DataDir) || d.Classes < 2 || d.Features < 1)
                throw new ArgumentException($"{path}: needs data_dir, classes >= 2 and features >= 1");
            return d;
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{path} is malformed: {e.Message}");
        }
    }
}
