namespace QuantHdl.Engine.Tensors;

/// <summary>
/// Owns the temporary tensors and pooled buffers of one training or evaluation step.
/// Create with <c>using var step = Tensor.StepScope();</c>.
/// </summary>
/// <remarks>
/// <para>Ownership rules (the whole pooling contract):</para>
/// <list type="number">
/// <item>While a scope is active on the current thread, every tensor produced by an op
/// (<see cref="Ops"/>, <see cref="Tensor.FromOp"/>, <see cref="Tensor.Empty"/>, <see cref="Tensor.Reshape"/>,
/// <see cref="Tensor.Detach"/>) belongs to the innermost scope, and so does every buffer from
/// <see cref="Tensor.RentBuffer"/> and every gradient buffer of such a tensor.</item>
/// <item>When the scope is disposed, its tensors are invalidated first (their <see cref="Tensor.Data"/>
/// becomes empty, <see cref="Tensor.Grad"/> null, their graph links cut; <see cref="Tensor.IsReleased"/> is true),
/// then its buffers go back to the pool. So no live tensor can observe a recycled buffer:
/// reading a released tensor fails loudly instead of returning another step's numbers.</item>
/// <item>Tensors made with the public constructor, <see cref="Tensor.Zeros"/>, <see cref="Tensor.FromArray"/>,
/// <see cref="Tensor.Scalar"/> or <see cref="Tensor.Clone"/> are never owned by a scope. Parameters and
/// optimizer state are created that way, so they (and their gradients) survive every step.</item>
/// <item>To keep a value past the step, read it (<see cref="Tensor.Item"/>) or <see cref="Tensor.Clone"/> it
/// before the scope ends. Never wrap a rented buffer in <c>new Tensor(...)</c>; pass it to
/// <see cref="Tensor.FromOp"/> instead.</item>
/// </list>
/// <para>Without an active scope nothing is pooled: ops allocate ordinary arrays and the GC reclaims them.
/// Scopes nest; each one releases only what was created while it was the innermost one.
/// A scope belongs to the thread that created it.</para>
/// </remarks>
public sealed class StepScope : IDisposable
{
    [ThreadStatic] private static StepScope? t_current;

    private readonly StepScope? _outer;
    private readonly List<Tensor> _tensors = new(64);
    private readonly List<float[]> _buffers = new(64);
    private readonly int _threadId;
    private bool _disposed;

    internal StepScope()
    {
        _outer = t_current;
        _threadId = Environment.CurrentManagedThreadId;
        t_current = this;
    }

    /// <summary>The innermost active scope of this thread, or null.</summary>
    internal static StepScope? Current => t_current;

    /// <summary>Number of tensors this scope will release (diagnostics).</summary>
    public int TensorCount => _tensors.Count;

    internal void Track(Tensor t) => _tensors.Add(t);

    internal float[] Rent(int length)
    {
        var buf = BufferPool.Rent(length);
        if (buf.Length != 0) _buffers.Add(buf);
        return buf;
    }

    /// <summary>Invalidates the scope's tensors, then recycles its buffers.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (Environment.CurrentManagedThreadId != _threadId)
            throw new InvalidOperationException("StepScope disposed on a different thread than the one that created it.");
        if (t_current != this)
            throw new InvalidOperationException("StepScope disposed out of order: dispose inner scopes before outer ones.");
        _disposed = true;
        foreach (var t in _tensors) t.Release();
        foreach (var b in _buffers) BufferPool.Return(b);
        _tensors.Clear();
        _buffers.Clear();
        t_current = _outer;
    }
}
