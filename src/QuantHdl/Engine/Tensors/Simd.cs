using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace QuantHdl.Engine.Tensors;

/// <summary>Elementwise kernels that TensorPrimitives has no single call for.</summary>
internal static class Simd
{
    /// <summary><c>dst[i] = y[i] &gt; 0 ? dy[i] : 0</c>, or <c>dst[i] += ...</c> when <paramref name="accumulate"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ReluGrad(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dst, bool accumulate)
    {
        int n = y.Length;
        if (dy.Length != n || dst.Length != n) throw new ArgumentException("ReluGrad: length mismatch.");
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float rg = ref MemoryMarshal.GetReference(dy);
        ref float rd = ref MemoryMarshal.GetReference(dst);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref ry, (nuint)i);
                var g = Vector512.LoadUnsafe(ref rg, (nuint)i);
                var r = Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<float>.Zero), g, Vector512<float>.Zero);
                if (accumulate) r += Vector512.LoadUnsafe(ref rd, (nuint)i);
                r.StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref ry, (nuint)i);
                var g = Vector256.LoadUnsafe(ref rg, (nuint)i);
                var r = Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), g, Vector256<float>.Zero);
                if (accumulate) r += Vector256.LoadUnsafe(ref rd, (nuint)i);
                r.StoreUnsafe(ref rd, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float r = Unsafe.Add(ref ry, i) > 0f ? Unsafe.Add(ref rg, i) : 0f;
            if (accumulate) r += Unsafe.Add(ref rd, i);
            Unsafe.Add(ref rd, i) = r;
        }
    }
}
