namespace QuantHdl.Engine.Tensors;

/// <summary>
/// Per-thread pool of <see cref="float"/> arrays keyed by exact length.
/// Only <see cref="StepScope"/> returns buffers to it, after it has invalidated every tensor
/// that could still reference them; nothing else may call <see cref="Return"/>.
/// </summary>
internal static class BufferPool
{
    [ThreadStatic] private static Dictionary<int, Stack<float[]>>? t_free;

    /// <summary>Returns an array of exactly <paramref name="length"/> elements with undefined contents.</summary>
    public static float[] Rent(int length)
    {
        if (length == 0) return Array.Empty<float>();
        var free = t_free;
        if (free != null && free.TryGetValue(length, out var stack) && stack.Count > 0) return stack.Pop();
        return GC.AllocateUninitializedArray<float>(length);
    }

    /// <summary>Gives a buffer back. The caller guarantees no live tensor references it.</summary>
    public static void Return(float[] buffer)
    {
        if (buffer.Length == 0) return;
        var free = t_free ??= new Dictionary<int, Stack<float[]>>();
        if (!free.TryGetValue(buffer.Length, out var stack))
        {
            stack = new Stack<float[]>();
            free.Add(buffer.Length, stack);
        }
        stack.Push(buffer);
    }

    /// <summary>Number of idle buffers held by this thread's pool (for tests and diagnostics).</summary>
    public static int IdleCount
    {
        get
        {
            int n = 0;
            if (t_free != null) foreach (var s in t_free.Values) n += s.Count;
            return n;
        }
    }

    /// <summary>Drops every idle buffer of this thread so the GC can reclaim them.</summary>
    public static void Clear() => t_free = null;
}
