using System.Text.RegularExpressions;
using HandlebarsDotNet;

namespace QuantHdl.Hardware;

/// <summary>
/// A Handlebars template rendered strictly: a key the template uses but the model lacks is an error
/// (Handlebars' ThrowOnUnresolvedBindingExpression), and so is a key the model passes but the template
/// never names. Models are <see cref="TemplateModel"/> dictionaries, lists of them and strings only,
/// so every number the template prints was formatted in C#.
/// </summary>
public sealed partial class StrictTemplate
{
    private static readonly HashSet<string> Keywords = ["each", "if", "else", "unless", "with", "this", "index", "first", "last", "key"];
    private readonly HandlebarsTemplate<object, object> _compiled;
    private readonly HashSet<string> _names;

    /// <summary>Compiles <paramref name="text"/>; <paramref name="name"/> labels errors.</summary>
    public StrictTemplate(string name, string text)
    {
        Name = name;
        var hb = Handlebars.Create(new HandlebarsConfiguration { NoEscape = true, ThrowOnUnresolvedBindingExpression = true });
        _compiled = hb.Compile(text.Replace("\r\n", "\n"));
        _names = [];
        foreach (Match m in Mustache().Matches(text))
            foreach (Match id in Identifier().Matches(m.Groups[1].Value))
                if (!Keywords.Contains(id.Value)) _names.Add(id.Value);
    }

    /// <summary>The template's file name.</summary>
    public string Name { get; }

    /// <summary>Loads a template file from the templates folder.</summary>
    public static StrictTemplate Load(string templatesDir, string fileName) =>
        new(fileName, File.ReadAllText(Path.Combine(templatesDir, fileName)));

    /// <summary>Renders; throws <see cref="InvalidOperationException"/> naming the template and the key on a missing or unused key.</summary>
    public string Render(TemplateModel model)
    {
        CheckUsed(model, "");
        try
        {
            return _compiled(model);
        }
        catch (HandlebarsException e)
        {
            throw new InvalidOperationException($"template {Name}: {e.Message}", e);
        }
    }

    private void CheckUsed(TemplateModel model, string path)
    {
        foreach (var (key, value) in model)
        {
            if (!_names.Contains(key))
                throw new InvalidOperationException($"template {Name}: key '{path}{key}' is passed but never used; remove it from the model or use it in the template");
            switch (value)
            {
                case TemplateModel inner:
                    CheckUsed(inner, $"{path}{key}.");
                    break;
                case IEnumerable<TemplateModel> items:
                    foreach (var item in items) CheckUsed(item, $"{path}{key}[].");
                    break;
                case string:
                    break;
                default:
                    throw new InvalidOperationException($"template {Name}: key '{path}{key}' holds a {value?.GetType().Name ?? "null"}; format it as a string in C#");
            }
        }
    }

    [GeneratedRegex(@"\{\{[#/^]?\s*([^}]*)\}\}")]
    private static partial Regex Mustache();

    [GeneratedRegex(@"[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex Identifier();
}

/// <summary>The data a <see cref="StrictTemplate"/> renders: string values, nested models and lists of models.</summary>
public sealed class TemplateModel : Dictionary<string, object>
{
    /// <summary>An empty model using ordinal key comparison.</summary>
    public TemplateModel() : base(StringComparer.Ordinal)
    {
    }
}
