using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using QuantHdl.Engine.Tensors;

namespace QuantHdl.Engine.Optim;

/// <summary>
/// Adam (Kingma &amp; Ba), same arithmetic as PyTorch's <c>torch.optim.Adam</c> (L2 weight decay added to the
/// gradient, not decoupled):
/// <c>m = b1·m + (1-b1)·g; v = b2·v + (1-b2)·g²; p -= (lr/(1-b1^t)) · m / (sqrt(v)/sqrt(1-b2^t) + eps)</c>.
/// </summary>
public sealed class Adam : Optimizer
{
    private readonly float[][] _m;
    private readonly float[][] _v;
    private readonly double _beta1, _beta2, _eps, _wd;

    /// <summary>Creates the optimizer; moment buffers are allocated here, once.</summary>
    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
        : base(parameters, lr)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be >= 0.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be >= 0.");
        _beta1 = beta1;
        _beta2 = beta2;
        _eps = eps;
        _wd = weightDecay;
        _m = new float[Params.Count][];
        _v = new float[Params.Count][];
        for (int i = 0; i < Params.Count; i++)
        {
            _m[i] = new float[Params[i].Numel];
            _v[i] = new float[Params[i].Numel];
        }
    }

    /// <inheritdoc/>
    public override void Step()
    {
        StepCount++;
        double bc1 = 1 - Math.Pow(_beta1, StepCount);
        double bc2 = 1 - Math.Pow(_beta2, StepCount);
        var k = new Coefficients
        {
            B1 = (float)_beta1,
            C1 = (float)(1 - _beta1),
            B2 = (float)_beta2,
            C2 = (float)(1 - _beta2),
            StepSize = (float)(Lr / bc1),
            InvSqrtBc2 = (float)(1 / Math.Sqrt(bc2)),
            Eps = (float)_eps,
            Wd = (float)_wd,
        };
        for (int i = 0; i < Params.Count; i++)
        {
            var p = Params[i];
            if (p.Grad == null) continue;
            Update(p.Data, p.Grad, _m[i], _v[i], in k);
        }
    }

    private struct Coefficients
    {
        public float B1, C1, B2, C2, StepSize, InvSqrtBc2, Eps, Wd;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, in Coefficients k)
    {
        int n = p.Length;
        ref float rp = ref MemoryMarshal.GetReference(p);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float rm = ref MemoryMarshal.GetReference(m);
        ref float rv = ref MemoryMarshal.GetReference(v);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var b1 = Vector512.Create(k.B1); var c1 = Vector512.Create(k.C1);
            var b2 = Vector512.Create(k.B2); var c2 = Vector512.Create(k.C2);
            var step = Vector512.Create(k.StepSize); var ib = Vector512.Create(k.InvSqrtBc2);
            var eps = Vector512.Create(k.Eps); var wd = Vector512.Create(k.Wd);
            for (; i <= n - 16; i += 16)
            {
                var pv = Vector512.LoadUnsafe(ref rp, (nuint)i);
                var gv = Vector512.LoadUnsafe(ref rg, (nuint)i) + wd * pv;
                var mv = b1 * Vector512.LoadUnsafe(ref rm, (nuint)i) + c1 * gv;
                var vv = b2 * Vector512.LoadUnsafe(ref rv, (nuint)i) + c2 * (gv * gv);
                mv.StoreUnsafe(ref rm, (nuint)i);
                vv.StoreUnsafe(ref rv, (nuint)i);
                (pv - step * mv / (Vector512.Sqrt(vv) * ib + eps)).StoreUnsafe(ref rp, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var b1 = Vector256.Create(k.B1); var c1 = Vector256.Create(k.C1);
            var b2 = Vector256.Create(k.B2); var c2 = Vector256.Create(k.C2);
            var step = Vector256.Create(k.StepSize); var ib = Vector256.Create(k.InvSqrtBc2);
            var eps = Vector256.Create(k.Eps); var wd = Vector256.Create(k.Wd);
            for (; i <= n - 8; i += 8)
            {
                var pv = Vector256.LoadUnsafe(ref rp, (nuint)i);
                var gv = Vector256.LoadUnsafe(ref rg, (nuint)i) + wd * pv;
                var mv = b1 * Vector256.LoadUnsafe(ref rm, (nuint)i) + c1 * gv;
                var vv = b2 * Vector256.LoadUnsafe(ref rv, (nuint)i) + c2 * (gv * gv);
                mv.StoreUnsafe(ref rm, (nuint)i);
                vv.StoreUnsafe(ref rv, (nuint)i);
                (pv - step * mv / (Vector256.Sqrt(vv) * ib + eps)).StoreUnsafe(ref rp, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float pv = Unsafe.Add(ref rp, i);
            float gv = Unsafe.Add(ref rg, i) + k.Wd * pv;
            float mv = k.B1 * Unsafe.Add(ref rm, i) + k.C1 * gv;
            float vv = k.B2 * Unsafe.Add(ref rv, i) + k.C2 * (gv * gv);
            Unsafe.Add(ref rm, i) = mv;
            Unsafe.Add(ref rv, i) = vv;
            Unsafe.Add(ref rp, i) = pv - k.StepSize * mv / (MathF.Sqrt(vv) * k.InvSqrtBc2 + k.Eps);
        }
    }
}
