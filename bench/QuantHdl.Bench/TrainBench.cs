using System.Globalization;
using System.Runtime.Intrinsics;
using QuantHdl.Engine.Data;
using QuantHdl.Compiler.Ir;
using QuantHdl.Models;
using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Optim;
using QuantHdl.Quantization;
using QuantHdl.Engine.Tensors;
using QuantHdl.Engine.Training;
using QuantHdl.Arithmetic;
using QuantHdl.Flows;

namespace QuantHdl.Bench;

/// <summary>
/// Timed training on Fashion-MNIST, the recipe of docs/algorithms.md "Reference numbers":
/// MLP 784-256-128-10 (or, with <c>--model lenet5</c> or <c>--model resnet8</c>, LeNet-5 or ResNet-8 on 1x28x28
/// images), batch 64, Adam lr 1e-3, shuffled; bench/torch_mlp.py, bench/torch_lenet.py and bench/torch_resnet8.py
/// run the same in PyTorch.
/// </summary>
internal static class TrainBench
{
    private sealed class Options
    {
        public string DataDir = IdxDataset.DefaultDataDir;
        public int FpEpochs = 1;
        public int QatEpochs = 1;
        public int Batch = 64;
        public int Seed = 0;
        public double Lr = 1e-3;
        public string Model = "mlp";
        public int Limit = 0;
    }

    public static int Run(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--data": o.DataDir = Next(); break;
                case "--epochs": o.FpEpochs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--qat-epochs": o.QatEpochs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--batch": o.Batch = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seed": o.Seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--lr": o.Lr = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--model": o.Model = Next(); break;
                case "--limit": o.Limit = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"unknown option '{args[i]}'; use --model mlp|lenet5|resnet8 --limit N (first N training images) --data DIR --epochs N --qat-epochs N --batch B --seed S --lr LR");
                    return 2;
            }
        }

        if (o.Model is not ("mlp" or "lenet5" or "resnet8"))
        {
            Console.Error.WriteLine($"unknown model '{o.Model}'; use --model mlp (784-256-128-10), --model lenet5 or --model resnet8");
            return 2;
        }

        Console.WriteLine($"QuantHdl engine: .NET {Environment.Version}, GEMM {Gemm.KernelName}, Vector512 {Vector512.IsHardwareAccelerated}, 1 thread");
        var train = IdxDataset.Load(o.DataDir, train: true);
        if (o.Limit > 0) train = train.Take(o.Limit);
        var test = IdxDataset.Load(o.DataDir, train: false);
        Console.WriteLine($"data: {o.DataDir}: {train.Count} train / {test.Count} test images of {train.Rows}x{train.Cols}");

        var rows = new List<string>();
        switch (o.Model)
        {
            case "mlp": RunMlp(o, train, test, rows); break;
            case "lenet5" or "resnet8": RunCnn(o.Model, o, train, test, rows); break;
            default: throw new InvalidOperationException($"model '{o.Model}' passed the check above but has no run");
        }

        Console.WriteLine();
        Console.WriteLine("| model | epoch | images/s | loss | test acc |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var r in rows) Console.WriteLine(r);
        return 0;
    }

    private static void RunMlp(Options o, IdxDataset train, IdxDataset test, List<string> rows)
    {
        // The CLI's path: the mlp: spec parsed into a layer graph (flat batches, fused dense + ReLU).
        var spec = ModelSpec.Parse(new MlpSpec(new[] { train.Features, 256, 128, train.Classes }).ToString(), Shape.Flat(train.Features));
        var model = new LayerGraph(spec, new Random(o.Seed));

        var opt = new Adam(model.Parameters(), o.Lr);
        for (int e = 0; e < o.FpEpochs; e++)
        {
            var loader = new DataLoader(train, o.Batch, shuffle: true, seed: o.Seed * 1000 + e);
            var stats = Trainer.TrainEpoch(model, loader, opt);
            rows.Add(Report($"FP {spec}", e, o.FpEpochs, stats, Trainer.Evaluate(model, test)));
        }

        // ---- LSQ W4A4 QAT row: uniform 4-bit per-channel LSQ weights, 4-bit unsigned LSQ activations
        // (QuantHdl.Quantization.QuantGraph of the MLP's layer graph), Adam + cosine schedule as in the CLI's qat flow.
        if (o.QatEpochs > 0)
        {
            var qmodel = new QuantGraph(model, WeightSpec.Parse("uniform:4"), new ActivationSpec(4));
            var qopt = new Adam(qmodel.Parameters(), o.Lr);
            int steps = (train.Count + o.Batch - 1) / o.Batch * o.QatEpochs;
            var schedule = new CosineSchedule(qopt, steps);
            for (int e = 0; e < o.QatEpochs; e++)
            {
                var loader = new DataLoader(train, o.Batch, shuffle: true, seed: o.Seed * 1000 + 500 + e);
                var stats = Trainer.TrainEpoch(qmodel, loader, qopt, afterStep: schedule.Step);
                rows.Add(Report("LSQ W4A4 QAT", e, o.QatEpochs, stats, Trainer.Evaluate(qmodel, test)));
            }
        }
    }

    /// <summary>
    /// LeNet-5 (<see cref="ModelSpec.LeNet5"/>) or ResNet-8 as a <see cref="LayerGraph"/> on [64, 1, 28, 28] batches, then
    /// the QAT of the CLI's qat flow (<see cref="TrainFlow.Qat"/>): batch norms folded (LeNet-5 has none),
    /// a <see cref="QuantGraph"/> with uniform:4 weights and 4-bit activations, <see cref="QatOptimizer"/>
    /// (scale learning-rate factor 1, the CLI default) and a cosine schedule over all QAT steps.
    /// </summary>
    private static void RunCnn(string name, Options o, IdxDataset train, IdxDataset test, List<string> rows)
    {
        var spec = ModelSpec.Parse(name, TrainFlow.SampleShape(train));
        var model = new LayerGraph(spec, new Random(o.Seed));
        var opt = new Adam(model.Parameters(), o.Lr);
        for (int e = 0; e < o.FpEpochs; e++)
        {
            var loader = new DataLoader(train, o.Batch, shuffle: true, seed: o.Seed * 1000 + e, asImages: true);
            var stats = Trainer.TrainEpoch(model, loader, opt, epoch: e + 1);
            rows.Add(Report($"FP {name}", e, o.FpEpochs, stats, Trainer.Evaluate(model, test, asImages: true)));
        }

        if (o.QatEpochs > 0)
        {
            model.Eval(); // folding reads the running statistics
            var qmodel = new QuantGraph(BatchNormFolder.Fold(model), WeightSpec.Parse("uniform:4"), new ActivationSpec(4));
            qmodel.Train();
            var qopt = new QatOptimizer(qmodel.WeightParameters(), qmodel.ScaleParameters(), o.Lr, scaleLrFactor: 1.0);
            int steps = (train.Count + o.Batch - 1) / o.Batch * o.QatEpochs;
            var schedule = new CosineSchedule(qopt, steps);
            for (int e = 0; e < o.QatEpochs; e++)
            {
                var loader = new DataLoader(train, o.Batch, shuffle: true, seed: o.Seed * 1000 + 500 + e, asImages: true);
                var stats = Trainer.TrainEpoch(qmodel, loader, qopt, afterStep: schedule.Step, epoch: e + 1);
                rows.Add(Report($"LSQ W4A4 QAT {name}", e, o.QatEpochs, stats, Trainer.Evaluate(qmodel, test, asImages: true)));
            }
        }
    }

    private static string Report(string name, int e, int total, EpochStats s, double testAcc)
    {
        Console.WriteLine($"{name} epoch {e + 1}/{total}: {s.Images} images in {s.Elapsed.TotalSeconds:F3} s = {s.ImagesPerSecond:F0} images/s, " +
                          $"loss {s.MeanLoss:F4}, train acc {s.TrainAccuracy:P2}, test acc {testAcc:P2}");
        return $"| {name} | {e + 1}/{total} | {s.ImagesPerSecond:F0} | {s.MeanLoss:F4} | {testAcc:P2} |";
    }
}
