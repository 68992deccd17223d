using System.Text.Json;
using System.Text.Json.Serialization;
using QuantHdl.Artifacts;
using QuantHdl.Arithmetic;

namespace QuantHdl.Compiler.Ir;

/// <summary>Reads and writes ir.json. Loading validates; saving is atomic (temp file, then rename).</summary>
public static class IrJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Serializes a graph.</summary>
    public static string Serialize(IrGraph g) => JsonSerializer.Serialize(g, Options);

    /// <summary>Parses and validates; throws <see cref="IrException"/> naming what is wrong.</summary>
    public static IrGraph Deserialize(string json, string source = "ir.json")
    {
        IrGraph? g;
        try
        {
            g = JsonSerializer.Deserialize<IrGraph>(json, Options);
        }
        catch (JsonException e)
        {
            throw new IrException($"{source} is malformed: {e.Message}");
        }
        catch (Exception e) when (e is IrException or ArithmeticLimitException)
        {
            throw new IrException($"{source}: {e.Message}");
        }
        if (g is null) throw new IrException($"{source} is empty");
        IrValidator.Check(g);
        return g;
    }

    /// <summary>Validates, then writes atomically.</summary>
    public static void Save(IrGraph g, string path)
    {
        IrValidator.Check(g);
        AtomicFile.WriteAllText(path, Serialize(g));
    }

    /// <summary>Loads and validates; throws <see cref="IrException"/> for a missing or bad file.</summary>
    public static IrGraph Load(string path)
    {
        if (!File.Exists(path)) throw new IrException($"{path} does not exist; run 'quanthdl compile' first");
        return Deserialize(File.ReadAllText(path), path);
    }
}
