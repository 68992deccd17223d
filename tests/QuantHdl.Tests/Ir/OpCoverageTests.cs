using System.Reflection;
using System.Text.Json.Serialization;
using QuantHdl.Compiler.Freeze;
using QuantHdl.Golden;
using QuantHdl.Hardware;
using QuantHdl.Compiler.Ir;
using QuantHdl.Compiler.Passes;
using QuantHdl.Arithmetic;

namespace QuantHdl.Tests.Ir;

/// <summary>Every op kind of the closed set has a golden kernel and an emitter.</summary>
public class OpCoverageTests
{
    private static readonly Type[] Covered = [typeof(InputOp), typeof(DenseOp), typeof(ConvOp), typeof(MaxPoolOp), typeof(AvgPoolOp)];

    [Fact]
    public void TheOpSetIsExactlyTheCoveredOne()
    {
        var derived = typeof(IrOp).GetCustomAttributes<JsonDerivedTypeAttribute>().Select(a => a.DerivedType).ToHashSet();
        var subclasses = typeof(IrOp).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(IrOp))).ToHashSet();
        Assert.Equal(subclasses, derived); // every op is serializable
        Assert.Equal(Covered.ToHashSet(), subclasses); // a new op must be added here, with its kernel and emitter below
    }

    [Fact]
    public void EveryOpRunsInTheGoldenSimulatorAndTheEmitter()
    {
        // A random CNN holds every op kind; each node gets a golden output and a Verilog module of its own.
        var g = PassPipeline.Run(QuantHdl.Tests.Verify.CnnGraphs.Small(new WeightSpec(WeightCode.Post, 4), 9), PassPipeline.Default(8));
        Assert.Equal(Covered.ToHashSet(), g.Nodes.Select(n => n.Op.GetType()).ToHashSet());
        var outs = GoldenSimulator.Run(g, TestModels.RandomInputs(1, 1, g.Nodes[0].OutSize)[0]);
        Assert.Equal(g.Nodes.Length, outs.Length);
        var files = new RtlEmitter().Render(g, out var design);
        Assert.NotEmpty(files);
        Assert.Equal(g.Nodes.Select(n => n.Name), design.Taps.Select(t => t.Node));
        foreach (var n in g.Nodes.Skip(1))
            Assert.Contains(files, f => f.Path == $"rtl/{RtlEmitter.ModulePrefix(g.Name)}_{n.Name}.v");
    }
}
