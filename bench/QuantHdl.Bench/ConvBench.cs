using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using QuantHdl.Engine.Nn;
using QuantHdl.Engine.Optim;
using QuantHdl.Engine.Tensors;

namespace QuantHdl.Bench;

/// <summary>
/// Stopwatch timing of the LeNet-5 convolution stack at batch 64 on random inputs: forward + backward of
/// conv 6@5x5, ReLU, max pool 2, conv 16@5x5, ReLU, max pool 2 (28x28 inputs, unpadded), some ops alone, and a
/// whole LeNet-5 training step (with fc 120-84-10, cross-entropy and Adam). Best of several rounds, in thread CPU time.
/// </summary>
internal static class ConvBench
{
    public static int Run(string[] args)
    {
        int batch = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 64;
        Console.WriteLine($"LeNet-5 conv layers, batch {batch}, GEMM {Gemm.KernelName}, 1 thread");
        var rng = new Random(1);
        var x = Rand(rng, batch, 1, 28, 28);
        var conv1 = new Conv2d(1, 6, 5, rng);
        var conv2 = new Conv2d(6, 16, 5, rng);
        var h1 = Rand(rng, batch, 6, 12, 12);
        var a1 = Rand(rng, batch, 6, 24, 24);

        Report("conv1 fwd", batch, () => conv1.Forward(x), backward: false);
        Report("conv1 fwd+bwd (dW, db)", batch, () => conv1.Forward(x), backward: true);
        Report("maxpool 24->12 fwd+bwd", batch, () => Ops.MaxPool2d(a1, 2), backward: true, input: a1);
        Report("conv2 fwd", batch, () => conv2.Forward(h1), backward: false);
        Report("conv2 fwd+bwd (dX, dW, db)", batch, () => conv2.Forward(h1), backward: true, input: h1);
        // As Sequential runs it: each convolution with its ReLU fused.
        Report("conv stack fwd+bwd", batch, () =>
            Ops.MaxPool2d(Conv2dRelu(conv2, Ops.MaxPool2d(Conv2dRelu(conv1, x), 2)), 2), backward: true);

        var model = new Sequential(conv1, new ReLU(), new MaxPool2d(2), conv2, new ReLU(), new MaxPool2d(2), new Flatten(),
            new Linear(256, 120, rng), new ReLU(), new Linear(120, 84, rng), new ReLU(), new Linear(84, 10, rng));
        var opt = new Adam(model.Parameters(), 1e-3);
        var labels = Enumerable.Range(0, batch).Select(i => i % 10).ToArray();
        double s = Best(() =>
        {
            using var scope = Tensor.StepScope();
            opt.ZeroGrad();
            var loss = Ops.CrossEntropy(model.Forward(x), labels);
            loss.Backward();
            opt.Step();
        });
        Console.WriteLine($"{"LeNet-5 train step (fwd+bwd+Adam)",-36} {s * 1e3,8:F3} ms  {batch / s,9:F0} images/s");
        return 0;
    }

    private static Tensor Conv2dRelu(Conv2d c, Tensor x) => Ops.Conv2dRelu(x, c.Weight, c.Bias, c.Stride, c.Padding, c.Groups);

    private static void Report(string name, int batch, Func<Tensor> f, bool backward, Tensor? input = null)
    {
        if (input != null) input.RequiresGrad = backward;
        double s = Best(() =>
        {
            using var scope = Tensor.StepScope();
            var y = f();
            if (backward) Ops.Sum(y).Backward();
        });
        if (input != null) { input.RequiresGrad = false; input.ClearGrad(); }
        Console.WriteLine($"{name,-36} {s * 1e3,8:F3} ms  {batch / s,9:F0} images/s");
    }

    /// <summary>
    /// Best seconds per call over 7 rounds of about 100 ms each, after a warm-up. Measured in this thread's CPU
    /// time, not wall time: on the shared machine the thread is often descheduled, and that is not the engine's cost.
    /// </summary>
    private static double Best(Action step)
    {
        var sw = Stopwatch.StartNew();
        int reps = 0;
        while (sw.Elapsed.TotalMilliseconds < 100 || reps < 5) { step(); reps++; }
        double best = double.MaxValue;
        for (int r = 0; r < 7; r++)
        {
            double t0 = ThreadCpuSeconds();
            for (int i = 0; i < reps; i++) step();
            best = Math.Min(best, (ThreadCpuSeconds() - t0) / reps);
        }
        return best;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec { public long Sec; public long Nsec; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec ts);

    private static double ThreadCpuSeconds()
    {
        const int ClockThreadCpuTimeId = 3; // Linux CLOCK_THREAD_CPUTIME_ID
        if (ClockGetTime(ClockThreadCpuTimeId, out var ts) != 0) throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        return ts.Sec + ts.Nsec * 1e-9;
    }

    private static Tensor Rand(Random rng, params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        for (int i = 0; i < t.Numel; i++) t.Data[i] = (float)(rng.NextDouble() * 2 - 1);
        return t;
    }
}
