using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QuantHdl.Flows;

/// <summary>
/// docs/results.md and docs/results.json hold the rows of every suite: a suite's run replaces its own
/// section and rows and keeps the others'. In the Markdown each suite's section sits between
/// <c>&lt;!-- suite: NAME --&gt;</c> and <c>&lt;!-- end suite: NAME --&gt;</c>, in the order of
/// <see cref="ExperimentsFlow.Suites"/>; the JSON is one array of rows, each with its <c>suite</c>.
/// A file written before the markers existed held the ptq table alone, and is read as the ptq section.
/// </summary>
public static class ResultsFile
{
    /// <summary>The title and provenance line above the sections.</summary>
    public const string Header = "# Experiment results\n\nWritten by `quanthdl experiments` (`src/QuantHdl/Flows/ExperimentsFlow.cs`); rerun it rather than editing this file.\n";

    /// <summary>The JSON naming of every row type.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // A row that was not run has no accuracy: NaN, written as "NaN".
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static string Begin(string suite) => $"<!-- suite: {suite} -->";
    private static string End(string suite) => $"<!-- end suite: {suite} -->";

    /// <summary>The sections of an existing document by suite name (empty for null).</summary>
    public static Dictionary<string, string> Sections(string? markdown)
    {
        var sections = new Dictionary<string, string>();
        if (string.IsNullOrEmpty(markdown)) return sections;
        bool marked = false;
        foreach (var suite in ExperimentsFlow.Suites)
        {
            int b = markdown.IndexOf(Begin(suite), StringComparison.Ordinal);
            if (b < 0) continue;
            marked = true;
            int start = b + Begin(suite).Length;
            int e = markdown.IndexOf(End(suite), start, StringComparison.Ordinal);
            if (e < 0) throw new ArgumentException($"the results file has '{Begin(suite)}' without '{End(suite)}'; repair or remove it");
            sections[suite] = markdown[start..e].Trim('\n');
        }
        if (!marked)
        {
            // Before the markers: the ptq table, from its heading to the end.
            int h = markdown.IndexOf("\n## ", StringComparison.Ordinal);
            if (h >= 0) sections["ptq"] = markdown[(h + 1)..].Trim('\n');
        }
        return sections;
    }

    /// <summary><paramref name="markdown"/> (or a new document) with the section of <paramref name="suite"/> replaced by <paramref name="section"/>.</summary>
    public static string MergeMarkdown(string? markdown, string suite, string section)
    {
        var sections = Sections(markdown);
        sections[suite] = section.Trim('\n');
        var sb = new StringBuilder(Header);
        foreach (var name in ExperimentsFlow.Suites)
            if (sections.TryGetValue(name, out var text))
                sb.Append('\n').AppendLine(Begin(name)).AppendLine(text).AppendLine(End(name));
        return sb.ToString();
    }

    /// <summary>The rows of an existing JSON file (empty for null), each a JSON object; a malformed file throws <see cref="ArgumentException"/> naming it.</summary>
    public static List<JsonObject> Rows(string? json, string path)
    {
        if (string.IsNullOrWhiteSpace(json)) return [];
        try
        {
            return JsonNode.Parse(json) is JsonArray a && a.All(n => n is JsonObject)
                ? a.Select(n => (JsonObject)n!.DeepClone()).ToList()
                : throw new ArgumentException($"{path}: not rows written by 'quanthdl experiments' (expected a JSON array of objects)");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{path}: not rows written by 'quanthdl experiments': {e.Message.Split(" Path:")[0]}");
        }
    }

    /// <summary>The suite a stored row belongs to.</summary>
    public static string? SuiteOf(JsonObject row) => row["suite"]?.GetValue<string>();

    /// <summary>The JSON of <paramref name="existing"/>'s rows of other suites, then <paramref name="rows"/> (of <paramref name="suite"/>), in suite order.</summary>
    public static string MergeJson(IEnumerable<JsonObject> existing, string suite, IEnumerable<JsonObject> rows)
    {
        var all = existing.Where(r => SuiteOf(r) != suite).Concat(rows)
            .OrderBy(r => ExperimentsFlow.Suites.ToList().IndexOf(SuiteOf(r) ?? "")).ToList();
        var array = new JsonArray(all.Select(r => (JsonNode)r.DeepClone()).ToArray());
        return array.ToJsonString(Json) + "\n";
    }

    /// <summary>A row record as a JSON object, in the file's naming.</summary>
    public static JsonObject ToObject<T>(T row) => (JsonObject)JsonSerializer.SerializeToNode(row, Json)!;
}
