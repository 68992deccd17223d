using BenchmarkDotNet.Running;
using QuantHdl.Bench;

// dotnet run -c Release --project bench/QuantHdl.Bench -- train [--model mlp|lenet5] [options]   timed Fashion-MNIST epochs, prints images/s
// dotnet run -c Release --project bench/QuantHdl.Bench -- gemm [sizes...]    quick Stopwatch GEMM GFLOP/s
// dotnet run -c Release --project bench/QuantHdl.Bench -- conv [batch]         LeNet-5 conv layers forward + backward
// dotnet run -c Release --project bench/QuantHdl.Bench -- [BenchmarkDotNet args]  e.g. --filter '*Gemm*'
// dotnet run -c Release --project bench/QuantHdl.Bench -- estimate [xc7|ice40] [--fit]  estimator vs Yosys on the layer suite
if (args.Length > 0 && args[0] == "estimate") return EstimateBench.Run(args[1..]);
if (args.Length > 0 && args[0] == "train") return TrainBench.Run(args[1..]);
if (args.Length > 0 && args[0] == "conv") return ConvBench.Run(args[1..]);
if (args.Length > 0 && args[0] == "gemm") return GemmQuick.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(GemmBenchmarks).Assembly).Run(args, BenchConfig.Create());
return 0;
