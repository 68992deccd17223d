using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantHdl.Engine.Tensors;

/// <summary>A register-blocked micro-kernel: C[MR, NR] (+)= Ap[kc, MR]ᵀ-panel · Bp[kc, NR]-panel.</summary>
internal unsafe interface IMicroKernel
{
    /// <summary>Rows of the C tile (broadcast from packed A).</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the C tile (vector loads from packed B).</summary>
    static abstract int NR { get; }

    /// <summary>
    /// a: kc groups of MR values (A column-slices), b: kc groups of NR values (B row-slices), both packed.
    /// Writes the full MR x NR tile to c (row stride ldc), adding to it when accumulate is set.
    /// </summary>
    static abstract void Run(int kc, float* a, float* b, float* c, nint ldc, bool accumulate);
}

/// <summary>
/// BLIS-style GEMM driver: B is packed in KC x NC blocks (NR-wide panels), A in MC x KC blocks (MR-high panels),
/// and the micro-kernel sweeps the tiles. Transposed operands are handled by the packing routines,
/// so the kernel always sees the same layout. Single-threaded and deterministic: the summation order
/// depends only on the shape.
/// </summary>
internal static unsafe class PackedGemm<TKernel> where TKernel : IMicroKernel
{
    /// <summary>Depth of one packed block; B's micro-panel (KC x NR) stays in L1 across the A panels.</summary>
    private const int KC = 256;

    /// <summary>
    /// Rows of A packed at once (a multiple of MR = 6 or 12), sized for L2 (144 x 256 floats = 144 KiB).
    /// On Zen 5, KC in 192..320 and MC in 48..192 all measured within a few percent of 200 GFLOP/s at 512³;
    /// these are the middle of that plateau.
    /// </summary>
    private const int MC = 144;

    /// <summary>Columns of B packed at once (a multiple of NR).</summary>
    private const int NC = 4096;

    /// <summary>
    /// Per-thread packing buffers on the pinned object heap (so raw pointers stay valid, and the GC frees them
    /// when the thread ends). 16 floats of slack for 64-byte alignment, 16 more for the overlapping A stores.
    /// </summary>
    [ThreadStatic] private static float[]? t_packA;
    [ThreadStatic] private static float[]? t_packB;

    private static float* Aligned(float[] buffer)
    {
        // Pinned-heap arrays never move, so the address is stable without a fixed block.
        float* p = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)(((nuint)p + 63) & ~(nuint)63);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        var bufA = t_packA ??= GC.AllocateUninitializedArray<float>(MC * KC + 32, pinned: true);
        var bufB = t_packB ??= GC.AllocateUninitializedArray<float>(Math.Min(NC, RoundUp(n, nr)) * KC + 16, pinned: true);
        if (bufB.Length < Math.Min(NC, RoundUp(n, nr)) * KC + 16)
            bufB = t_packB = GC.AllocateUninitializedArray<float>(Math.Min(NC, RoundUp(n, nr)) * KC + 16, pinned: true);
        float* pa = Aligned(bufA), pb = Aligned(bufB);
        float* tile = stackalloc float[mr * nr];
        fixed (float* a0 = a, b0 = b, c0 = c)
        {
            for (int jc = 0; jc < n; jc += NC)
            {
                int nc = Math.Min(NC, n - jc);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    bool acc = accumulate || pc > 0;
                    PackB(transB, b0, ldb, pc, jc, kc, nc, pb);
                    for (int ic = 0; ic < m; ic += MC)
                    {
                        int mc = Math.Min(MC, m - ic);
                        PackA(transA, a0, lda, ic, pc, mc, kc, pa);
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int nEff = Math.Min(nr, nc - jr);
                            float* bPanel = pb + (long)jr * kc;
                            for (int ir = 0; ir < mc; ir += mr)
                            {
                                int mEff = Math.Min(mr, mc - ir);
                                float* aPanel = pa + (long)ir * kc;
                                float* cTile = c0 + (long)(ic + ir) * ldc + jc + jr;
                                if (mEff == mr && nEff == nr)
                                {
                                    TKernel.Run(kc, aPanel, bPanel, cTile, ldc, acc);
                                }
                                else
                                {
                                    // Edge tile: compute the padded tile aside, then write back the valid part.
                                    TKernel.Run(kc, aPanel, bPanel, tile, nr, false);
                                    if (nEff == nr) WriteRows(tile, cTile, ldc, mEff, acc);
                                    else
                                    {
                                        for (int i = 0; i < mEff; i++)
                                        {
                                            float* src = tile + i * nr, dst = cTile + (long)i * ldc;
                                            if (acc) for (int j = 0; j < nEff; j++) dst[j] += src[j];
                                            else for (int j = 0; j < nEff; j++) dst[j] = src[j];
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Writes the first <paramref name="rows"/> full-width rows of an edge tile with vector loads and stores: a
    /// small M (a convolution's 6 output channels) makes every tile an edge tile, so this copy is on the hot path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteRows(float* tile, float* c, int ldc, int rows, bool accumulate)
    {
        int nr = TKernel.NR;
        for (int i = 0; i < rows; i++)
        {
            float* src = tile + i * nr, dst = c + (long)i * ldc;
            for (int j = 0; j < nr; j += 8)
            {
                var v = Vector256.Load(src + j);
                if (accumulate) v += Vector256.Load(dst + j);
                v.Store(dst + j);
            }
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>Packs op(A)[ic.., pc..] (mc x kc) into MR-row panels: panel[p * MR + r] = op(A)[ic + r, pc + p], zero-padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(bool transA, float* a, int lda, int ic, int pc, int mc, int kc, float* dst)
    {
        int mr = TKernel.MR;
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            float* panel = dst + (long)ir * kc;
            if (transA && rows == mr && (mr == 12 || mr == 8))
            {
                float* src = a + (long)pc * lda + ic + ir;
                for (int p = 0; p < kc; p++, src += lda)
                {
                    Vector256.Store(Vector256.Load(src), panel + p * mr);
                    if (mr == 12) Vector128.Store(Vector128.Load(src + 8), panel + p * 12 + 8);
                }
            }
            else if (!transA && (mr == 12 || mr == 8) && Avx512F.IsSupported)
            {
                PackRowsTransposed(a + (long)(ic + ir) * lda + pc, lda, rows, kc, panel);
            }
            else if (transA)
            {
                // op(A)[i, p] = A[p, i]: MR consecutive values per p.
                for (int p = 0; p < kc; p++)
                {
                    float* src = a + (long)(pc + p) * lda + ic + ir;
                    float* d = panel + p * mr;
                    int r = 0;
                    for (; r < rows; r++) d[r] = src[r];
                    for (; r < mr; r++) d[r] = 0f;
                }
            }
            else
            {
                for (int r = 0; r < rows; r++)
                {
                    float* src = a + (long)(ic + ir + r) * lda + pc;
                    float* d = panel + r;
                    for (int p = 0; p < kc; p++) d[p * mr] = src[p];
                }
                for (int r = rows; r < mr; r++)
                {
                    float* d = panel + r;
                    for (int p = 0; p < kc; p++) d[p * mr] = 0f;
                }
            }
        }
    }

    /// <summary>Packs op(B)[pc.., jc..] (kc x nc) into NR-column panels: panel[p * NR + j] = op(B)[pc + p, jc + j], zero-padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(bool transB, float* b, int ldb, int pc, int jc, int kc, int nc, float* dst)
    {
        int nr = TKernel.NR;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* panel = dst + (long)jr * kc;
            if (!transB)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (long)(pc + p) * ldb + jc + jr;
                    float* d = panel + p * nr;
                    if (cols == nr)
                    {
                        Unsafe.CopyBlockUnaligned(d, src, (uint)(nr * sizeof(float)));
                    }
                    else
                    {
                        int j = 0;
                        for (; j < cols; j++) d[j] = src[j];
                        for (; j < nr; j++) d[j] = 0f;
                    }
                }
            }
            else if (nr == 32 && Avx512F.IsSupported)
            {
                PackColumns32(b + (long)(jc + jr) * ldb + pc, ldb, cols, kc, panel);
            }
            else
            {
                // op(B)[p, j] = B[j, p]: read rows of B contiguously, scatter with stride NR.
                for (int j = 0; j < cols; j++)
                {
                    float* src = b + (long)(jc + jr + j) * ldb + pc;
                    float* d = panel + j;
                    for (int p = 0; p < kc; p++) d[p * nr] = src[p];
                }
                for (int j = cols; j < nr; j++)
                {
                    float* d = panel + j;
                    for (int p = 0; p < kc; p++) d[p * nr] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// Transposed B panel for NR = 32: panel[p * 32 + j] = src[j * ld + p] for j &lt; cols (else 0), p &lt; kc,
    /// by 16 x 16 register transposes (rows j &gt;= cols are never read).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackColumns32(float* src, int ld, int cols, int kc, float* panel)
    {
        int p = 0;
        // A partial panel (the last one, or a narrow B such as a convolution's 25-wide im2col) goes through the
        // same register transposes: Transpose16x16 reads missing rows as 0, which is the zero padding.
        int lo = Math.Min(16, cols), hi = cols - lo;
        for (; p + 16 <= kc; p += 16)
        {
            Transpose16x16(src + p, ld, lo, panel + p * 32, 32);
            Transpose16x16(src + 16L * ld + p, ld, hi, panel + p * 32 + 16, 32);
        }
        for (; p < kc; p++)
        {
            float* d = panel + p * 32;
            int j = 0;
            for (; j < cols; j++) d[j] = src[(long)j * ld + p];
            for (; j < 32; j++) d[j] = 0f;
        }
    }

    /// <summary>
    /// A panel for MR = 8 or 12 from row-major rows: panel[p * MR + r] = src[r * ld + p] for r &lt; rows (else 0).
    /// Each transposed column is stored as 16 lanes; the 16 - MR extra lanes are overwritten by the next column
    /// (and the last column's spill lands in the next panel or the buffer's slack, written later or never read).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackRowsTransposed(float* src, int ld, int rows, int kc, float* panel)
    {
        int mr = TKernel.MR;
        int p = 0;
        for (; p + 16 <= kc; p += 16) Transpose16x16(src + p, ld, rows, panel + p * mr, mr);
        for (; p < kc; p++)
        {
            float* d = panel + p * mr;
            int r = 0;
            for (; r < rows; r++) d[r] = src[(long)r * ld + p];
            for (; r < mr; r++) d[r] = 0f;
        }
    }

    /// <summary>
    /// Reads a rows x 16 block (rows &lt;= 16, missing rows read as 0) with row stride ld, and writes its
    /// transpose: dst[c * dstStride + r] for the 16 columns c, each as a full 16-lane store (in increasing c).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose16x16(float* src, int ld, int rows, float* dst, int dstStride)
    {
        Vector512<float> r0 = Row(src, ld, 0, rows), r1 = Row(src, ld, 1, rows), r2 = Row(src, ld, 2, rows), r3 = Row(src, ld, 3, rows),
            r4 = Row(src, ld, 4, rows), r5 = Row(src, ld, 5, rows), r6 = Row(src, ld, 6, rows), r7 = Row(src, ld, 7, rows),
            r8 = Row(src, ld, 8, rows), r9 = Row(src, ld, 9, rows), r10 = Row(src, ld, 10, rows), r11 = Row(src, ld, 11, rows),
            r12 = Row(src, ld, 12, rows), r13 = Row(src, ld, 13, rows), r14 = Row(src, ld, 14, rows), r15 = Row(src, ld, 15, rows);

        // Within each 128-bit lane: 4 x 4 transposes of the row groups {0-3}, {4-7}, {8-11}, {12-15}.
        Transpose4(ref r0, ref r1, ref r2, ref r3);
        Transpose4(ref r4, ref r5, ref r6, ref r7);
        Transpose4(ref r8, ref r9, ref r10, ref r11);
        Transpose4(ref r12, ref r13, ref r14, ref r15);
        // Now rS of group g holds, in lane L, column 4L + S of that group's 4 rows. Gather lane L of the
        // four groups into one vector: that is column 4L + S of all 16 rows.
        Gather(r0, r4, r8, r12, out var c0, out var c4, out var c8, out var c12);
        Gather(r1, r5, r9, r13, out var c1, out var c5, out var c9, out var c13);
        Gather(r2, r6, r10, r14, out var c2, out var c6, out var c10, out var c14);
        Gather(r3, r7, r11, r15, out var c3, out var c7, out var c11, out var c15);
        // Increasing column order, so a 16-lane store may spill into the next column before it is written.
        c0.Store(dst); c1.Store(dst + dstStride); c2.Store(dst + 2 * dstStride); c3.Store(dst + 3 * dstStride);
        c4.Store(dst + 4 * dstStride); c5.Store(dst + 5 * dstStride); c6.Store(dst + 6 * dstStride); c7.Store(dst + 7 * dstStride);
        c8.Store(dst + 8 * dstStride); c9.Store(dst + 9 * dstStride); c10.Store(dst + 10 * dstStride); c11.Store(dst + 11 * dstStride);
        c12.Store(dst + 12 * dstStride); c13.Store(dst + 13 * dstStride); c14.Store(dst + 14 * dstStride); c15.Store(dst + 15 * dstStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Row(float* src, int ld, int r, int rows) =>
        r < rows ? Vector512.Load(src + (long)r * ld) : Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4(ref Vector512<float> a, ref Vector512<float> b, ref Vector512<float> c, ref Vector512<float> d)
    {
        var t0 = Avx512F.UnpackLow(a, b).AsDouble();
        var t1 = Avx512F.UnpackHigh(a, b).AsDouble();
        var t2 = Avx512F.UnpackLow(c, d).AsDouble();
        var t3 = Avx512F.UnpackHigh(c, d).AsDouble();
        a = Avx512F.UnpackLow(t0, t2).AsSingle();
        b = Avx512F.UnpackHigh(t0, t2).AsSingle();
        c = Avx512F.UnpackLow(t1, t3).AsSingle();
        d = Avx512F.UnpackHigh(t1, t3).AsSingle();
    }

    /// <summary>Lane L of the four groups' vectors, for L = 0..3 (columns S, 4+S, 8+S, 12+S).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gather(Vector512<float> g0, Vector512<float> g1, Vector512<float> g2, Vector512<float> g3,
        out Vector512<float> lane0, out Vector512<float> lane1, out Vector512<float> lane2, out Vector512<float> lane3)
    {
        var lo01 = Avx512F.Shuffle4x128(g0, g1, 0x44); // g0 L0 L1, g1 L0 L1
        var hi01 = Avx512F.Shuffle4x128(g0, g1, 0xEE); // g0 L2 L3, g1 L2 L3
        var lo23 = Avx512F.Shuffle4x128(g2, g3, 0x44);
        var hi23 = Avx512F.Shuffle4x128(g2, g3, 0xEE);
        lane0 = Avx512F.Shuffle4x128(lo01, lo23, 0x88);
        lane1 = Avx512F.Shuffle4x128(lo01, lo23, 0xDD);
        lane2 = Avx512F.Shuffle4x128(hi01, hi23, 0x88);
        lane3 = Avx512F.Shuffle4x128(hi01, hi23, 0xDD);
    }
}

/// <summary>AVX-512 12 x 32 micro-kernel: 24 zmm accumulators, 2 vector loads and 12 broadcasts per k.</summary>
internal readonly unsafe struct Kernel12x32 : IMicroKernel
{
    public static int MR => 12;
    public static int NR => 32;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default,
            c90 = default, c91 = default, ca0 = default, ca1 = default, cb0 = default, cb1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> av;
            av = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(av, b0, c00); c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(av, b0, c10); c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(av, b0, c20); c21 = Vector512.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(av, b0, c30); c31 = Vector512.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(av, b0, c40); c41 = Vector512.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(av, b0, c50); c51 = Vector512.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(av, b0, c60); c61 = Vector512.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(av, b0, c70); c71 = Vector512.FusedMultiplyAdd(av, b1, c71);
            av = Vector512.Create(a[8]); c80 = Vector512.FusedMultiplyAdd(av, b0, c80); c81 = Vector512.FusedMultiplyAdd(av, b1, c81);
            av = Vector512.Create(a[9]); c90 = Vector512.FusedMultiplyAdd(av, b0, c90); c91 = Vector512.FusedMultiplyAdd(av, b1, c91);
            av = Vector512.Create(a[10]); ca0 = Vector512.FusedMultiplyAdd(av, b0, ca0); ca1 = Vector512.FusedMultiplyAdd(av, b1, ca1);
            av = Vector512.Create(a[11]); cb0 = Vector512.FusedMultiplyAdd(av, b0, cb0); cb1 = Vector512.FusedMultiplyAdd(av, b1, cb1);
            a += 12;
            b += 32;
        }
        Store(c, c00, c01, accumulate); c += ldc;
        Store(c, c10, c11, accumulate); c += ldc;
        Store(c, c20, c21, accumulate); c += ldc;
        Store(c, c30, c31, accumulate); c += ldc;
        Store(c, c40, c41, accumulate); c += ldc;
        Store(c, c50, c51, accumulate); c += ldc;
        Store(c, c60, c61, accumulate); c += ldc;
        Store(c, c70, c71, accumulate); c += ldc;
        Store(c, c80, c81, accumulate); c += ldc;
        Store(c, c90, c91, accumulate); c += ldc;
        Store(c, ca0, ca1, accumulate); c += ldc;
        Store(c, cb0, cb1, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store(float* c, Vector512<float> v0, Vector512<float> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector512.Load(c);
            v1 += Vector512.Load(c + 16);
        }
        v0.Store(c);
        v1.Store(c + 16);
    }
}

/// <summary>AVX-512 8 x 32 micro-kernel: 16 zmm accumulators; used when M is a multiple of 8 but not of 12 (e.g. batch 64).</summary>
internal readonly unsafe struct Kernel8x32 : IMicroKernel
{
    public static int MR => 8;
    public static int NR => 32;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> av;
            av = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(av, b0, c00); c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(av, b0, c10); c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(av, b0, c20); c21 = Vector512.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(av, b0, c30); c31 = Vector512.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(av, b0, c40); c41 = Vector512.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(av, b0, c50); c51 = Vector512.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(av, b0, c60); c61 = Vector512.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(av, b0, c70); c71 = Vector512.FusedMultiplyAdd(av, b1, c71);
            a += 8;
            b += 32;
        }
        Kernel12x32.Store(c, c00, c01, accumulate); c += ldc;
        Kernel12x32.Store(c, c10, c11, accumulate); c += ldc;
        Kernel12x32.Store(c, c20, c21, accumulate); c += ldc;
        Kernel12x32.Store(c, c30, c31, accumulate); c += ldc;
        Kernel12x32.Store(c, c40, c41, accumulate); c += ldc;
        Kernel12x32.Store(c, c50, c51, accumulate); c += ldc;
        Kernel12x32.Store(c, c60, c61, accumulate); c += ldc;
        Kernel12x32.Store(c, c70, c71, accumulate);
    }
}

/// <summary>AVX2/FMA 6 x 16 micro-kernel: 12 ymm accumulators, 2 vector loads and 6 broadcasts per k.</summary>
internal readonly unsafe struct Kernel6x16 : IMicroKernel
{
    public static int MR => 6;
    public static int NR => 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            Vector256<float> av;
            av = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(av, b0, c00); c01 = Vector256.FusedMultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]); c10 = Vector256.FusedMultiplyAdd(av, b0, c10); c11 = Vector256.FusedMultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]); c20 = Vector256.FusedMultiplyAdd(av, b0, c20); c21 = Vector256.FusedMultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]); c30 = Vector256.FusedMultiplyAdd(av, b0, c30); c31 = Vector256.FusedMultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]); c40 = Vector256.FusedMultiplyAdd(av, b0, c40); c41 = Vector256.FusedMultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]); c50 = Vector256.FusedMultiplyAdd(av, b0, c50); c51 = Vector256.FusedMultiplyAdd(av, b1, c51);
            a += 6;
            b += 16;
        }
        Store(c, c00, c01, accumulate); c += ldc;
        Store(c, c10, c11, accumulate); c += ldc;
        Store(c, c20, c21, accumulate); c += ldc;
        Store(c, c30, c31, accumulate); c += ldc;
        Store(c, c40, c41, accumulate); c += ldc;
        Store(c, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector256<float> v0, Vector256<float> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector256.Load(c);
            v1 += Vector256.Load(c + 8);
        }
        v0.Store(c);
        v1.Store(c + 8);
    }
}
