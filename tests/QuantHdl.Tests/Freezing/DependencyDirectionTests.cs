using QuantHdl.Tests.Hdl;

namespace QuantHdl.Tests.Freezing;

/// <summary>
/// Data flows one way (docs/architecture.md, "Folders and dependencies"): each stage folder of src/QuantHdl
/// names only the stages it is allowed to read. The freezer reads the fake-quant model, never the other way
/// round, so another producer of source records (a PTQ stage) needs no change to quantization; the
/// arithmetic core names no stage at all.
/// </summary>
public class DependencyDirectionTests
{
    private static readonly string[] Stages =
        ["Arithmetic", "Engine", "Models", "Quantization", "Ptq", "Compiler", "Golden", "Hardware", "Verification", "Reports", "Flows", "Artifacts"];

    /// <summary>The allowed dependencies, written out by hand from the architecture, not read from the code.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Arithmetic"] = [],
        ["Engine"] = [],
        ["Models"] = ["Engine"],
        ["Quantization"] = ["Arithmetic", "Engine", "Models"],
        ["Ptq"] = ["Arithmetic", "Engine", "Models", "Quantization"],
        ["Artifacts"] = ["Arithmetic", "Engine"],
        ["Compiler"] = ["Arithmetic", "Artifacts", "Engine", "Models", "Quantization"],
        ["Golden"] = ["Arithmetic", "Compiler"],
        ["Hardware"] = ["Arithmetic", "Artifacts", "Compiler"],
        ["Verification"] = ["Arithmetic", "Artifacts", "Compiler", "Golden", "Hardware"],
        ["Reports"] = ["Artifacts", "Compiler", "Hardware", "Verification"],
        ["Flows"] = ["Arithmetic", "Artifacts", "Compiler", "Engine", "Golden", "Hardware", "Models", "Ptq", "Quantization", "Reports", "Verification"],
    };

    public static TheoryData<string> StageNames() => new(Stages);

    [Theory]
    [MemberData(nameof(StageNames))]
    public void AStageNamesOnlyTheStagesItMayRead(string stage)
    {
        var dir = Path.Combine(RtlEmitterTests.RepoRoot(), "src", "QuantHdl", stage);
        var files = Directory.GetFiles(dir, "*.cs", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        var forbidden = Stages.Where(s => s != stage && !Allowed[stage].Contains(s)).ToArray();
        var offenders = (from f in files
                         let text = File.ReadAllText(f)
                         from s in forbidden
                         where text.Contains($"QuantHdl.{s}.", StringComparison.Ordinal) || text.Contains($"QuantHdl.{s};", StringComparison.Ordinal)
                         select $"{Path.GetRelativePath(dir, f)} names {s}").ToArray();
        Assert.True(offenders.Length == 0, $"{stage}/: {string.Join("; ", offenders)}");
    }

    [Fact]
    public void EveryStageFolderIsListed()
    {
        // A new top-level folder must be placed in the table above, with what it may read.
        var folders = Directory.GetDirectories(Path.Combine(RtlEmitterTests.RepoRoot(), "src", "QuantHdl"))
            .Select(Path.GetFileName).Where(n => n is not ("bin" or "obj")).Order(StringComparer.Ordinal);
        Assert.Equal(Stages.Order(StringComparer.Ordinal), folders);
    }

    [Fact]
    public void TheArithmeticCoreExposesNoStageType()
    {
        // Besides the text scan: no public member of the arithmetic core takes or returns a type of another stage.
        var core = typeof(QuantHdl.Arithmetic.WeightSpec).Assembly.GetTypes().Where(t => t.Namespace == "QuantHdl.Arithmetic").ToArray();
        Assert.NotEmpty(core);
        var used = core.SelectMany(t => t.GetMembers().SelectMany(MemberTypes)).Where(t => t.Namespace?.StartsWith("QuantHdl.", StringComparison.Ordinal) == true);
        Assert.All(used, t => Assert.Equal("QuantHdl.Arithmetic", t.Namespace));
    }

    private static IEnumerable<Type> MemberTypes(System.Reflection.MemberInfo m) => m switch
    {
        System.Reflection.MethodInfo mi => mi.GetParameters().Select(p => p.ParameterType).Append(mi.ReturnType).SelectMany(Unwrap),
        System.Reflection.PropertyInfo pi => Unwrap(pi.PropertyType),
        System.Reflection.FieldInfo fi => Unwrap(fi.FieldType),
        System.Reflection.ConstructorInfo ci => ci.GetParameters().SelectMany(p => Unwrap(p.ParameterType)),
        _ => [],
    };

    private static IEnumerable<Type> Unwrap(Type t) =>
        t.HasElementType ? Unwrap(t.GetElementType()!) : t.IsGenericType ? t.GetGenericArguments().SelectMany(Unwrap).Append(t) : [t];
}
