using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using QuantHdl.Golden;
using QuantHdl.Golden.Kernels;
using QuantHdl.Hardware;
using QuantHdl.Hardware.Estimates;
using QuantHdl.Compiler.Ir;
using QuantHdl.Compiler.Ir.Rules;
using QuantHdl.Compiler.Passes;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Ir;

/// <summary>
/// Every op kind of the closed set has a record, a JSON discriminator, a validator rule, a golden kernel, an
/// emitter, a cycle model and a resource estimator, each where docs/architecture.md ("Adding an op kind") says, and each runs on a graph
/// that holds the kind. The compiler already refuses a switch that misses a kind; this catches a kind without a
/// record, a record without a discriminator, a part outside its place, and a kind no test graph exercises.
/// </summary>
public class OpCoverageTests
{
    public static TheoryData<OpKind> Kinds => new(Enum.GetValues<OpKind>());

    private static readonly Type[] Subclasses = typeof(IrOp).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(IrOp))).ToArray();

    /// <summary>The kind a record reports, read from an instance no constructor checked (Kind is a constant per record).</summary>
    private static OpKind KindOf(Type op) => ((IrOp)RuntimeHelpers.GetUninitializedObject(op)).Kind;

    // A random residual CNN holds every op kind (checked below):
    // x -> conv1 -> conv1_fork -> conv2 -> add1 (conv2 + conv1_fork) -> pool1 -> gap1 -> fc1.
    private static readonly IrGraph Cnn = PassPipeline.Run(QuantHdl.Tests.Verify.ResidualGraphs.Small(new WeightSpec(WeightCode.Post, 4), 9), PassPipeline.Default(8));

    /// <summary>The nodes of a kind in the test graph; never none, so no per-kind check passes vacuously.</summary>
    private static IrNode[] NodesOf(OpKind kind)
    {
        var nodes = Cnn.Nodes.Where(n => n.Op.Kind == kind).ToArray();
        Assert.NotEmpty(nodes);
        return nodes;
    }

    [Fact]
    public void TheOpSetIsExactlyTheCoveredOne()
    {
        var derived = typeof(IrOp).GetCustomAttributes<JsonDerivedTypeAttribute>().Select(a => a.DerivedType).ToHashSet();
        Assert.Equal(Subclasses.ToHashSet(), derived); // every op is serializable
        // Every record names a distinct kind, and every kind has its record.
        var kinds = Subclasses.Select(KindOf).ToArray();
        Assert.Equal(kinds.Length, kinds.Distinct().Count());
        Assert.Equal(Enum.GetValues<OpKind>().ToHashSet(), kinds.ToHashSet());
        Assert.All(Subclasses, t => Assert.Equal($"{KindOf(t)}Op", t.Name));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryKindRoundTripsThroughIrJsonUnderItsOwnDiscriminator(OpKind kind)
    {
        var record = Subclasses.Single(t => KindOf(t) == kind);
        var discriminator = typeof(IrOp).GetCustomAttributes<JsonDerivedTypeAttribute>().Single(a => a.DerivedType == record).TypeDiscriminator as string;
        Assert.Equal(kind.ToString().ToLowerInvariant(), discriminator);
        var json = IrJson.Serialize(Cnn);
        Assert.Contains($"\"op\": \"{discriminator}\"", json);
        Assert.DoesNotContain("\"kind\"", json); // the kind is not a second copy of the discriminator
        var back = IrJson.Deserialize(json);
        Assert.Equal(NodesOf(kind).Select(n => n.Name), back.Nodes.Where(n => n.Op.Kind == kind).Select(n => n.Name));
        Assert.Equal(json, IrJson.Serialize(back));
    }

    [Fact]
    public void TheTestGraphHoldsEveryKind() =>
        Assert.Equal(Enum.GetValues<OpKind>().ToHashSet(), Cnn.Nodes.Select(n => n.Op.Kind).ToHashSet());

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryKindHasItsValidatorRuleInRules(OpKind kind)
    {
        NodeRule rule = IrValidator.RuleFor(kind);
        Assert.Equal($"QuantHdl.Compiler.Ir.Rules.{kind}Rule", rule.Method.DeclaringType!.FullName);
        var index = Cnn.Nodes.Select((n, i) => (n.Name, i)).ToDictionary(t => t.Name, t => t.i);
        foreach (var n in NodesOf(kind))
        {
            var sources = n.Inputs.Select(i => Cnn.Nodes[index[i]]).ToArray();
            rule(n, sources, index[n.Name]); // accepts the valid node
            // and refuses it at a position or with inputs its kind does not take
            Assert.Throws<IrException>(() => rule(n, kind == OpKind.Input ? [] : [.. sources, .. sources], kind == OpKind.Input ? 1 : index[n.Name]));
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryKindHasItsGoldenKernelInKernels(OpKind kind)
    {
        var input = TestModels.RandomInputs(1, 1, Cnn.Nodes[0].OutSize)[0];
        var outs = GoldenSimulator.Run(Cnn, input);
        Assert.Equal(Cnn.Nodes.Length, outs.Length);
        foreach (var n in NodesOf(kind))
        {
            int at = Array.IndexOf(Cnn.Nodes, n);
            var srcs = n.Inputs.Select(Cnn.Node).ToArray();
            var kernel = GoldenSimulator.KernelFor(n, srcs.Select(x => x.OutType).ToArray());
            Assert.Equal($"QuantHdl.Golden.Kernels.{kind}Kernel", kernel.GetType().FullName);
            // The kernel alone gives the simulator's output of its node, of the edge's size.
            var y = kind == OpKind.Input ? kernel.Run(input, 0) : kernel.Run(srcs.Select(x => outs[Array.IndexOf(Cnn.Nodes, x)]).ToArray(), 0);
            Assert.Equal(outs[at], y);
            Assert.Equal(n.OutSize, y.Length);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryKindHasItsEmitter(OpKind kind)
    {
        var emitter = new RtlEmitter();
        var files = emitter.Render(Cnn, out var design);
        Assert.Equal(Cnn.Nodes.Select(n => n.Name), design.Taps.Select(t => t.Node));
        string prefix = RtlEmitter.ModulePrefix(Cnn.Name);
        foreach (var n in NodesOf(kind))
        {
            int at = Array.IndexOf(Cnn.Nodes, n);
            var text = emitter.Module(Cnn, n, n.Inputs.Select(Cnn.Node).ToArray(), prefix);
            if (kind == OpKind.Input)
            {
                // The input is the top level's input port, not a module of its own.
                Assert.Null(text);
                Assert.DoesNotContain(files, f => f.Path == $"rtl/{prefix}_{n.Name}.v");
                Assert.Contains($"assign st_{n.Name}_tdata = s_axis_tdata;", files.Single(f => f.Path == $"rtl/{prefix}_top.v").Text);
                continue;
            }
            Assert.NotNull(text);
            Assert.Contains($"module {prefix}_{n.Name}", text);
            Assert.Equal(text, files.Single(f => f.Path == $"rtl/{prefix}_{n.Name}.v").Text);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryKindHasItsCycleModel(OpKind kind)
    {
        // ResidualGraphs.Small at its own folding, by hand: x 8*8*2/2 beats; conv1 64 pixels x 18/2 x 4/2; the fork
        // and the add one beat (2 lanes) per cycle of 8*8*4; conv2 64 x 36/2 x 4/2; pool1 8*8*4/2 input beats;
        // gap1 4*4*4/2; fc1 4/2 x 3/3.
        var g = QuantHdl.Tests.Verify.ResidualGraphs.Small(WeightSpec.Parse("uniform:4"), 1);
        var hand = new Dictionary<string, long> { ["x"] = 64, ["conv1"] = 1152, ["conv1_fork"] = 128, ["conv2"] = 2304, ["add1"] = 128, ["pool1"] = 128, ["gap1"] = 32, ["fc1"] = 2 };
        var nodes = g.Nodes.Where(n => n.Op.Kind == kind).ToArray();
        Assert.NotEmpty(nodes);
        foreach (var n in nodes)
            Assert.Equal(hand[n.Name], CycleModel.Of(g, n));
    }
    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryKindHasItsEstimatorInEstimates(OpKind kind)
    {
        NodeEstimator estimator = ResourceEstimator.For(kind);
        Assert.Equal($"QuantHdl.Hardware.Estimates.{kind}Estimator", estimator.Method.DeclaringType!.FullName);
        var before = IrJson.Serialize(Cnn);
        foreach (var family in Enum.GetValues<FpgaFamily>())
        foreach (var n in NodesOf(kind))
        {
            var e = ResourceEstimator.Of(Cnn, n, family);
            // Its cycles are the cycle model's, its latency at least that, and it costs logic unless it is the input port.
            Assert.Equal(CycleModel.Of(Cnn, n), e.Cycles);
            Assert.True(e.Latency >= e.Cycles, $"{n.Name}: latency {e.Latency} below its {e.Cycles} cycles");
            Assert.True(kind == OpKind.Input ? e.Lut == 0 && e.Ff == 0 : e.Lut > 0 && e.Ff > 0, $"{n.Name}: {e}");
        }
        Assert.Equal(before, IrJson.Serialize(Cnn)); // a read-only analysis
    }
}
