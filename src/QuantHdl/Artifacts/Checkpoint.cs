using System.Security.Cryptography;
using System.Text.Json;
using QuantHdl.Engine.Nn;

namespace QuantHdl.Artifacts;

/// <summary>
/// Saves and loads a module's named parameters, then its named buffers (e.g. batch-norm running statistics),
/// with their training metadata. A model without buffers is stored exactly as before buffers existed.
/// </summary>
public static class Checkpoint
{
    /// <summary>Metadata file name.</summary>
    public const string InfoFile = "checkpoint.json";

    /// <summary>Tensor data file name.</summary>
    public const string DataFile = "weights.bin";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    /// <summary>Writes checkpoint.json and weights.bin into <paramref name="dir"/> (which should be a staging directory).</summary>
    public static CheckpointInfo Save(string dir, Module model, CheckpointInfo info)
    {
        Directory.CreateDirectory(dir);
        var entries = new List<TensorEntry>();
        using var ms = new MemoryStream();
        long offset = 0;
        foreach (var (name, p) in State(model))
        {
            entries.Add(new TensorEntry(name, p.Shape.ToArray(), offset));
            var bytes = new byte[p.Data.Length * 4];
            Buffer.BlockCopy(p.Data, 0, bytes, 0, bytes.Length);
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("checkpoints are little-endian");
            ms.Write(bytes);
            offset += p.Data.Length;
        }
        var data = ms.ToArray();
        var full = info with { Tensors = entries.ToArray(), Sha256 = Convert.ToHexString(SHA256.HashData(data)) };
        AtomicFile.WriteAllBytes(Path.Combine(dir, DataFile), data);
        AtomicFile.WriteAllText(Path.Combine(dir, InfoFile), JsonSerializer.Serialize(full, Json));
        return full;
    }

    /// <summary>The saved tensors: parameters, then buffers, each with its dotted name.</summary>
    private static IEnumerable<(string Name, Engine.Tensors.Tensor Tensor)> State(Module model) =>
        model.NamedParameters().Concat(model.NamedBuffers());

    /// <summary>Reads and checks checkpoint.json (and that weights.bin matches its hash).</summary>
    public static (CheckpointInfo Info, byte[] Data) Read(string dir)
    {
        var infoPath = Path.Combine(dir, InfoFile);
        var dataPath = Path.Combine(dir, DataFile);
        if (!Directory.Exists(dir)) throw new CheckpointException($"checkpoint directory '{dir}' does not exist");
        if (!File.Exists(infoPath)) throw new CheckpointException($"'{dir}' is not a checkpoint: {InfoFile} is missing");
        if (!File.Exists(dataPath)) throw new CheckpointException($"checkpoint '{dir}' is incomplete: {DataFile} is missing");
        CheckpointInfo? info;
        try
        {
            info = JsonSerializer.Deserialize<CheckpointInfo>(File.ReadAllText(infoPath), Json);
        }
        catch (JsonException e)
        {
            // The line (0-based in JsonException) names where the text stops making sense.
            var what = e.Message.Split(" Path:")[0].Split(" LineNumber:")[0].TrimEnd('.');
            throw new CheckpointException(e.LineNumber is { } line
                ? $"{infoPath} line {line + 1}: malformed: {what}"
                : $"{infoPath}: malformed: {what}");
        }
        if (info is null || info.Format != "quanthdl-checkpoint" || info.Tensors is null)
            throw new CheckpointException($"{infoPath} is not a QuantHdl checkpoint");
        if (info.Version != 1) throw new CheckpointException($"{infoPath}: version {info.Version} is not supported");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in info.Tensors)
        {
            // Element nulls slip past RespectNullableAnnotations, which covers properties only.
            if (t is null || t.Name is null || t.Shape is null)
                throw new CheckpointException($"{infoPath}: a tensor entry lacks its name or shape; it is not a checkpoint QuantHdl wrote");
            if (!seen.Add(t.Name)) throw new CheckpointException($"{infoPath}: tensor '{t.Name}' is listed twice");
        }
        var data = File.ReadAllBytes(dataPath);
        if (!string.Equals(Convert.ToHexString(SHA256.HashData(data)), info.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new CheckpointException($"{dataPath} is truncated or corrupt: its SHA-256 does not match {InfoFile}");
        if (data.Length % 4 != 0) throw new CheckpointException($"{dataPath}: {data.Length} bytes is not a whole number of float32 values");
        return (info, data);
    }

    /// <summary>Copies the stored tensors into the module's parameters and buffers, checking names and shapes.</summary>
    public static void LoadInto(Module model, CheckpointInfo info, byte[] data, string dir)
    {
        var stored = info.Tensors.ToDictionary(t => t.Name);
        var names = State(model).ToList();
        foreach (var (name, p) in names)
        {
            if (!stored.TryGetValue(name, out var e))
                throw new CheckpointException($"checkpoint '{dir}' has no tensor '{name}'; it was saved from a different model");
            if (!e.Shape.SequenceEqual(p.Shape))
                throw new CheckpointException($"checkpoint '{dir}': tensor '{name}' has shape [{string.Join(",", e.Shape)}], the model expects [{string.Join(",", p.Shape)}]");
            // Compared in floats, so that a huge offset cannot overflow into range.
            if (e.Offset < 0 || e.Offset > data.Length / 4 - p.Data.Length)
                throw new CheckpointException($"checkpoint '{dir}': tensor '{name}' lies outside {DataFile}");
            Buffer.BlockCopy(data, (int)(e.Offset * 4), p.Data, 0, p.Data.Length * 4);
        }
        if (stored.Count != names.Count)
            throw new CheckpointException($"checkpoint '{dir}' has {stored.Count} tensors, the model has {names.Count}");
    }
}
