using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using QuantHdl.Artifacts;
using QuantHdl.Compiler.Ir;
using QuantHdl.Hardware.Estimates;

namespace QuantHdl.Hardware.FoldSearch;

/// <summary>
/// The folding trade-off of a build, as compile writes it to <c>folding.json</c>: the goal the folding was chosen for,
/// the Pareto points (initiation interval against estimated LUTs on <see cref="Family"/>, fastest first) and the chosen
/// point, which is on the curve unless the default heuristic or <c>--fold</c> chose it.
/// </summary>
public sealed record FoldingCurve(FpgaFamily Family, FoldingGoal Goal, IReadOnlyList<FoldingPoint> Points, FoldingPoint Chosen)
{
    private const string Format = "quanthdl-folding";

    /// <summary>Whether the chosen point is one of the Pareto points (same interval and LUTs).</summary>
    public bool ChosenIsOnCurve => Points.Any(p => p.Interval == Chosen.Interval && p.Lut == Chosen.Lut);

    /// <summary>The JSON text of <c>folding.json</c>.</summary>
    public string ToJson()
    {
        var goal = new JsonObject { ["kind"] = Kind(Goal.Kind) };
        switch (Goal.Kind)
        {
            case FoldingGoalKind.MaxMacs: goal["max_macs"] = (int)Goal.Value; break;
            case FoldingGoalKind.TargetFps: goal["fps"] = Goal.Value; goal["fmax_mhz"] = Goal.FmaxMhz; goal["max_interval_cycles"] = Goal.MaxInterval; break;
            case FoldingGoalKind.LutBudget: goal["luts"] = (long)Goal.Value; break;
        }
        var o = new JsonObject
        {
            ["format"] = Format,
            ["version"] = 1,
            ["target"] = FpgaFamilies.Name(Family),
            ["goal"] = goal,
            ["chosen"] = Point(Chosen),
            ["chosen_on_curve"] = ChosenIsOnCurve,
            ["pareto"] = new JsonArray(Points.Select(p => (JsonNode)Point(p)).ToArray()),
        };
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Reads <c>folding.json</c>; a damaged file throws <see cref="MalformedFileException"/> naming it.</summary>
    public static FoldingCurve Load(string path)
    {
        try
        {
            var o = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            if ((string?)o["format"] != Format || (int?)o["version"] != 1)
                throw new MalformedFileException(path, null, $"not a {Format} version 1 file");
            var family = FpgaFamilies.Parse((string)o["target"]!);
            var g = o["goal"]!.AsObject();
            var goal = (string)g["kind"]! switch
            {
                "max-macs" => FoldingGoal.Macs((int)g["max_macs"]!),
                "target-fps" => FoldingGoal.Fps((double)g["fps"]!, (double)g["fmax_mhz"]!),
                "lut-budget" => FoldingGoal.Budget((long)g["luts"]!),
                var k => throw new MalformedFileException(path, null, $"goal kind '{k}' is unknown"),
            };
            var points = o["pareto"]!.AsArray().Select(p => ReadPoint(p!.AsObject())).ToList();
            return new FoldingCurve(family, goal, points, ReadPoint(o["chosen"]!.AsObject()));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException or ArgumentException or KeyNotFoundException)
        {
            throw new MalformedFileException(path, null, e.Message);
        }
    }

    private static string Kind(FoldingGoalKind k) => k switch
    {
        FoldingGoalKind.MaxMacs => "max-macs",
        FoldingGoalKind.TargetFps => "target-fps",
        FoldingGoalKind.LutBudget => "lut-budget",
    };

    private static JsonObject Point(FoldingPoint p)
    {
        var folds = new JsonObject();
        foreach (var (layer, f) in p.Folds) folds[layer] = f.ToString();
        return new JsonObject
        {
            ["interval_cycles"] = p.Interval,
            ["lut"] = p.Lut,
            ["ff"] = p.Ff,
            ["dsp"] = p.Dsp,
            ["bram"] = p.Bram,
            ["bottleneck"] = p.Bottleneck,
            ["folds"] = folds,
        };
    }

    private static FoldingPoint ReadPoint(JsonObject o)
    {
        var folds = new Dictionary<string, Folding>();
        foreach (var (layer, v) in o["folds"]!.AsObject())
        {
            var parts = ((string)v!).Split('x');
            folds[layer] = new Folding(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
        }
        return new FoldingPoint((long)o["interval_cycles"]!, (long)o["lut"]!, (long)o["ff"]!, (long)o["dsp"]!, (long)o["bram"]!, (string)o["bottleneck"]!, folds);
    }
}
