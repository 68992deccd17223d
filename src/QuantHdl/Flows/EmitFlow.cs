using QuantHdl.Engine.Data;
using QuantHdl.Hardware;
using QuantHdl.Compiler.Ir;
using QuantHdl.Artifacts;

namespace QuantHdl.Flows;

/// <summary>
/// The emit stage: the RTL (<c>rtl/</c>, <c>sim/</c>, <c>design.json</c>) and the test vectors
/// (<c>vectors/</c>) of a build, from its <c>ir.json</c> alone, plus the test images of the data set
/// recorded in <c>dataset.json</c>. <c>compile</c> runs it by default; run alone, it regenerates the same
/// bytes. The new files are written into a staging folder inside the build and moved into place only
/// when all are written.
/// </summary>
public static class EmitFlow
{
    /// <summary>What emit writes into a build directory.</summary>
    public static readonly string[] Outputs = ["rtl", "sim", "vectors", "design.json"];

    /// <summary>Writes the RTL and the input vectors of <paramref name="graph"/> into <paramref name="dir"/> (a fresh build's staging folder).</summary>
    public static void Write(IrGraph graph, string dir, long[][] inputs)
    {
        RtlEmitter.Emit(graph, dir);
        VectorWriter.WriteInputs(Path.Combine(dir, "vectors", "inputs.txt"), inputs);
    }

    /// <summary>
    /// The first <paramref name="count"/> test images of <paramref name="dataDir"/> as input vectors: each image
    /// as the stream carries it, pixel by pixel with channels innermost (y, x, c); for one channel that is the
    /// IDX byte order.
    /// </summary>
    public static long[][] Vectors(string dataDir, int count, int features)
    {
        if (count < 1 || count > 10000) throw new ArgumentException($"--vectors {count} is out of range 1..10000");
        var test = IdxDataset.Load(dataDir, train: false);
        if (test.Features != features)
            throw new ArgumentException($"the network takes {features} inputs but images in {dataDir} have {test.Features} pixels");
        int n = Math.Min(count, test.Count);
        var inputs = new long[n][];
        for (int s = 0; s < n; s++)
        {
            inputs[s] = new long[features];
            for (int i = 0; i < features; i++) inputs[s][i] = test.Images[s * features + i];
        }
        return inputs;
    }

    /// <summary>Regenerates the RTL and <paramref name="count"/> vectors of an existing build directory from its ir.json.</summary>
    public static RtlDesign Emit(string buildDir, int count, IFlowReporter r)
    {
        buildDir = Path.GetFullPath(buildDir);
        var graph = IrJson.Load(Path.Combine(buildDir, CompileFlow.IrFile));
        var data = BuildDataset.Load(buildDir);
        var inputs = Vectors(data.DataDir, count, graph.Nodes[0].OutSize);
        // Listed in the build's marker first, so that 'compile --force' may replace them later.
        ArtifactMarker.Record(buildDir, Outputs);
        RtlDesign design;
        using (var staging = StagingFolder.Create(buildDir, "emit"))
        {
            Write(graph, staging.Path, inputs);
            design = RtlDesign.Load(staging.Path);
            foreach (var name in Outputs)
            {
                var target = Path.Combine(buildDir, name);
                if (Directory.Exists(target)) Directory.Delete(target, true);
                else if (File.Exists(target)) File.Delete(target);
                var src = Path.Combine(staging.Path, name);
                if (Directory.Exists(src)) Directory.Move(src, target);
                else File.Move(src, target);
            }
        }
        r.Info($"wrote {design.RtlFiles.Count} RTL files and {inputs.Length} test vectors into {buildDir}");
        return RtlDesign.Load(buildDir);
    }
}
