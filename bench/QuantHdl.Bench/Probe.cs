using QuantHdl.Tensors;
namespace QuantHdl.Bench;
internal static class Probe
{
    public static void Run()
    {
        var x1 = new float[64 * 28 * 28]; var x2 = new float[64 * 6 * 144];
        var g1 = new Ops.ConvGeometry(1, 1, 28, 28, 5, 5, 1, 0, 24, 24);
        var g2 = new Ops.ConvGeometry(6, 6, 12, 12, 5, 5, 1, 0, 8, 8);
        var c1 = new float[25 * 576]; var c2 = new float[150 * 64];
        var w1 = new float[6 * 25]; var w2 = new float[16 * 150]; var y1 = new float[6 * 576]; var y2 = new float[16 * 64];
        var a1 = new Tensor(new[] { 64, 6, 24, 24 }, Enumerable.Range(0, 64 * 6 * 576).Select(i => (float)Math.Sin(i * 0.37)).ToArray());
        T("pool fwd", () => { using var s = Tensor.StepScope(); Ops.MaxPool2d(a1, 2); });
        a1.RequiresGrad = true;
        T("pool fwd+bwd", () => { using var s = Tensor.StepScope(); Ops.Sum(Ops.MaxPool2d(a1, 2)).Backward(); });
        T("relu fwd+bwd", () => { using var s = Tensor.StepScope(); Ops.Sum(Ops.Relu(a1)).Backward(); });
        T("im2col1 x64", () => { for (int i = 0; i < 64; i++) Ops.Im2Col(g1, x1.AsSpan(i * 784, 784), c1); });
        T("im2col2 x64", () => { for (int i = 0; i < 64; i++) Ops.Im2Col(g2, x2.AsSpan(i * 864, 864), c2); });
        T("col2im2 x64", () => { for (int i = 0; i < 64; i++) Ops.Col2Im(g2, c2, x2.AsSpan(i * 864, 864)); });
        T("gemm1 fwd x64", () => { for (int i = 0; i < 64; i++) Gemm.Sgemm(false, false, 6, 576, 25, w1, 25, c1, 576, y1, 576, false); });
        T("gemm1 dW x64", () => { for (int i = 0; i < 64; i++) Gemm.Sgemm(false, true, 6, 25, 576, y1, 576, c1, 576, w1, 25, true); });
        T("gemm2 fwd x64", () => { for (int i = 0; i < 64; i++) Gemm.Sgemm(false, false, 16, 64, 150, w2, 150, c2, 64, y2, 64, false); });
        T("gemm2 dW x64", () => { for (int i = 0; i < 64; i++) Gemm.Sgemm(false, true, 16, 150, 64, y2, 64, c2, 64, w2, 150, true); });
        T("gemm2 dX x64", () => { for (int i = 0; i < 64; i++) Gemm.Sgemm(true, false, 150, 64, 16, w2, 150, y2, 64, c2, 64, false); });
    }
    static void T(string n, Action a) => Console.WriteLine($"{n,-20} {ConvBench.Best(a) * 1e3:F3} ms");
}
