using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace QuantHdl.Engine.Tensors;

/// <summary>Elementwise kernels that TensorPrimitives has no single call for.</summary>
internal static class Simd
{
    /// <summary>
    /// <c>dst[i] = y[i] &gt; 0 ? dy[i] : 0</c>, or <c>dst[i] += ...</c> when <paramref name="accumulate"/>, or
    /// <c>dst[i] = 0 + ...</c> (accumulating into a zero buffer without reading it, -0 becomes +0) when <paramref name="fromZero"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ReluGrad(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dst, bool accumulate, bool fromZero = false)
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
                else if (fromZero) r = Vector512<float>.Zero + r;
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
                else if (fromZero) r = Vector256<float>.Zero + r;
                r.StoreUnsafe(ref rd, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float r = Unsafe.Add(ref ry, i) > 0f ? Unsafe.Add(ref rg, i) : 0f;
            if (accumulate) r += Unsafe.Add(ref rd, i);
            else if (fromZero) r = 0f + r;
            Unsafe.Add(ref rd, i) = r;
        }
    }

    /// <summary>
    /// <c>dst[i] = x[i]·scale + shift</c>, rounded after the product and after the sum (not fused), so the bits equal
    /// a multiply pass followed by an add pass, in one pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaleShift(ReadOnlySpan<float> x, float scale, float shift, Span<float> dst)
    {
        int n = x.Length;
        if (dst.Length != n) throw new ArgumentException("ScaleShift: length mismatch.");
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rd = ref MemoryMarshal.GetReference(dst);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var s = Vector512.Create(scale);
            var b = Vector512.Create(shift);
            for (; i <= n - 16; i += 16) (Vector512.LoadUnsafe(ref rx, (nuint)i) * s + b).StoreUnsafe(ref rd, (nuint)i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var s = Vector256.Create(scale);
            var b = Vector256.Create(shift);
            for (; i <= n - 8; i += 8) (Vector256.LoadUnsafe(ref rx, (nuint)i) * s + b).StoreUnsafe(ref rd, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref rd, i) = Unsafe.Add(ref rx, i) * scale + shift;
    }

    /// <summary>
    /// The batch-norm input gradient <c>g[i] = ((g[i] + a·dy[i]) + k·x[i]) + k0</c>, each product and sum rounded on
    /// its own (not fused): the bits of three accumulating passes, in one. <paramref name="fromZero"/> starts from
    /// g = 0 without reading it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BatchNormGrad(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float a, float k, float k0, Span<float> g, bool fromZero)
    {
        int n = dy.Length;
        if (x.Length != n || g.Length != n) throw new ArgumentException("BatchNormGrad: length mismatch.");
        ref float rdy = ref MemoryMarshal.GetReference(dy);
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rg = ref MemoryMarshal.GetReference(g);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var va = Vector512.Create(a);
            var vk = Vector512.Create(k);
            var vk0 = Vector512.Create(k0);
            for (; i <= n - 16; i += 16)
            {
                var acc = fromZero ? Vector512<float>.Zero : Vector512.LoadUnsafe(ref rg, (nuint)i);
                acc += Vector512.LoadUnsafe(ref rdy, (nuint)i) * va;
                acc += Vector512.LoadUnsafe(ref rx, (nuint)i) * vk;
                (acc + vk0).StoreUnsafe(ref rg, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a);
            var vk = Vector256.Create(k);
            var vk0 = Vector256.Create(k0);
            for (; i <= n - 8; i += 8)
            {
                var acc = fromZero ? Vector256<float>.Zero : Vector256.LoadUnsafe(ref rg, (nuint)i);
                acc += Vector256.LoadUnsafe(ref rdy, (nuint)i) * va;
                acc += Vector256.LoadUnsafe(ref rx, (nuint)i) * vk;
                (acc + vk0).StoreUnsafe(ref rg, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float acc = fromZero ? 0f : Unsafe.Add(ref rg, i);
            acc += Unsafe.Add(ref rdy, i) * a;
            acc += Unsafe.Add(ref rx, i) * k;
            Unsafe.Add(ref rg, i) = acc + k0;
        }
    }
}
