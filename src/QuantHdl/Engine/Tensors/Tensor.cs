namespace QuantHdl.Engine.Tensors;

/// <summary>
/// A dense row-major float32 tensor that can record the operations producing it, so that
/// <see cref="Backward"/> can propagate gradients (reverse-mode autograd, one backward closure per op).
/// </summary>
/// <remarks>
/// <para><see cref="Data"/> always has exactly <see cref="Numel"/> elements (until the tensor is released by
/// its <see cref="Tensors.StepScope"/>, see there for the pooling rules). <see cref="Grad"/> is null until
/// a gradient is first accumulated; <see cref="EnsureGrad"/> allocates it zero-filled.</para>
/// <para>Writing a new op: compute the result into a buffer from <see cref="RentBuffer"/> (or any array you own),
/// then call <see cref="FromOp"/> with a backward closure that accumulates (+=) into each parent's
/// <see cref="EnsureGrad"/> for the parents with <see cref="RequiresGrad"/> set.</para>
/// <para>System.Numerics.Tensors also has a type named <c>Tensor</c>: in a file that imports both namespaces,
/// alias one (<c>using Tensor = QuantHdl.Engine.Tensors.Tensor;</c>) or import only <c>TensorPrimitives</c>
/// (<c>using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;</c>).</para>
/// </remarks>
public sealed class Tensor
{
    [ThreadStatic] private static int t_noGradDepth;
    private static int s_visitStamp;

    private Tensor[]? _parents;
    private Action<Tensor>? _backward;
    private StepScope? _owner;
    private int _stamp;
    private bool _released;

    /// <summary>Wraps <paramref name="data"/> (not copied) as a tensor of the given shape.</summary>
    /// <param name="shape">Dimensions, each &gt;= 0. The array is copied.</param>
    /// <param name="data">Row-major values; its length must equal the product of <paramref name="shape"/>.</param>
    /// <param name="requiresGrad">True for a leaf whose gradient should be accumulated (a parameter).</param>
    /// <exception cref="ArgumentException">The data length does not match the shape.</exception>
    public Tensor(int[] shape, float[] data, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        int n = CheckShape(shape);
        if (data.Length != n)
            throw new ArgumentException($"data has {data.Length} elements but shape [{string.Join(", ", shape)}] needs {n}.", nameof(data));
        Shape = (int[])shape.Clone();
        Data = data;
        Numel = n;
        RequiresGrad = requiresGrad;
    }

    /// <summary>Dimensions of the tensor. Do not modify the array.</summary>
    public int[] Shape { get; }

    /// <summary>Row-major values, exactly <see cref="Numel"/> long while the tensor is alive.</summary>
    public float[] Data { get; private set; }

    /// <summary>Accumulated gradient (same length as <see cref="Data"/>), or null if none has flowed yet.</summary>
    public float[]? Grad { get; private set; }

    /// <summary>
    /// Whether gradients are tracked for this tensor. Set it on leaves (parameters);
    /// op results get it from their parents.
    /// </summary>
    public bool RequiresGrad { get; set; }

    /// <summary>Number of elements (product of <see cref="Shape"/>).</summary>
    public int Numel { get; }

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Length;

    /// <summary>True for tensors not produced by a recorded op (parameters, inputs).</summary>
    public bool IsLeaf => _backward == null;

    /// <summary>True once the owning <see cref="Tensors.StepScope"/> has been disposed; the tensor is then unusable.</summary>
    public bool IsReleased => _released;

    /// <summary>Size of dimension <paramref name="i"/>; negative indices count from the end.</summary>
    public int Dim(int i) => Shape[i < 0 ? Shape.Length + i : i];

    /// <summary>True unless inside a <see cref="NoGrad"/> block on this thread.</summary>
    public static bool IsGradEnabled => t_noGradDepth == 0;

    // ---------------------------------------------------------------- factories

    /// <summary>A new zero-filled tensor (never pooled, never owned by a scope).</summary>
    public static Tensor Zeros(params int[] shape) => new(shape, new float[CheckShape(shape)]);

    /// <summary>
    /// A tensor with undefined contents. Inside a <see cref="Tensors.StepScope"/> its buffer comes from the pool
    /// and the tensor is owned by the scope; outside, it is a fresh array.
    /// </summary>
    public static Tensor Empty(params int[] shape)
    {
        int n = CheckShape(shape);
        var t = new Tensor(shape, RentBuffer(n));
        t.Adopt();
        return t;
    }

    /// <summary>Wraps <paramref name="data"/> (not copied) with the given shape.</summary>
    public static Tensor FromArray(float[] data, params int[] shape) => new(shape, data);

    /// <summary>A rank-0 tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(float value) => new(Array.Empty<int>(), new[] { value });

    /// <summary>
    /// Returns a buffer of exactly <paramref name="length"/> floats with UNDEFINED contents (overwrite all of it).
    /// Inside a <see cref="Tensors.StepScope"/> it is pooled and owned by the scope (recycled when the scope ends);
    /// outside it is a fresh array. Use it for op results passed to <see cref="FromOp"/> and for scratch
    /// space (e.g. masks saved for backward); never wrap it in the public constructor.
    /// </summary>
    public static float[] RentBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var scope = Tensors.StepScope.Current;
        return scope != null ? scope.Rent(length) : (length == 0 ? Array.Empty<float>() : new float[length]);
    }

    /// <summary>Begins a step scope on this thread; dispose it to recycle the step's buffers. See <see cref="Tensors.StepScope"/>.</summary>
    public static Tensors.StepScope StepScope() => new();

    /// <summary>
    /// Custom-op extension point: wraps <paramref name="data"/> as the result of an op on <paramref name="parents"/>.
    /// </summary>
    /// <param name="shape">Result shape.</param>
    /// <param name="data">Result values, exactly numel(shape) long; preferably from <see cref="RentBuffer"/>.</param>
    /// <param name="parents">Inputs of the op.</param>
    /// <param name="backward">
    /// Called once during <see cref="Backward"/> with the result, whose <see cref="Grad"/> is filled.
    /// It must ACCUMULATE (+=) into <c>p.EnsureGrad()</c> for each parent <c>p</c> with <c>p.RequiresGrad</c>,
    /// and must not touch parents that do not require grad.
    /// </param>
    /// <returns>
    /// A tensor that requires grad iff grad mode is on and some parent requires grad; only then is the
    /// graph edge recorded. Inside a step scope the result is owned by the scope.
    /// </returns>
    public static Tensor FromOp(int[] shape, float[] data, Tensor[] parents, Action<Tensor> backward)
    {
        ArgumentNullException.ThrowIfNull(parents);
        ArgumentNullException.ThrowIfNull(backward);
        var t = new Tensor(shape, data);
        if (t_noGradDepth == 0)
        {
            foreach (var p in parents)
            {
                if (p.RequiresGrad)
                {
                    t.RequiresGrad = true;
                    t._parents = parents;
                    t._backward = backward;
                    break;
                }
            }
        }
        t.Adopt();
        return t;
    }

    /// <summary>Disables graph recording on this thread until the returned handle is disposed. Nests.</summary>
    public static IDisposable NoGrad()
    {
        t_noGradDepth++;
        return new NoGradHandle();
    }

    private sealed class NoGradHandle : IDisposable
    {
        private bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            t_noGradDepth--;
        }
    }

    // ---------------------------------------------------------------- gradient

    /// <summary>
    /// Returns <see cref="Grad"/>, allocating it zero-filled on first use (pooled if the tensor is owned by a scope).
    /// </summary>
    public float[] EnsureGrad()
    {
        if (Grad != null) return Grad;
        ThrowIfReleased();
        float[] g;
        if (_owner != null)
        {
            g = _owner.Rent(Numel);
            Array.Clear(g);
        }
        else
        {
            g = new float[Numel];
        }
        Grad = g;
        return g;
    }

    /// <summary>
    /// For a backward closure that writes every element of its parent's gradient: returns <see cref="Grad"/> with
    /// <paramref name="fresh"/> false (the caller then accumulates into it), or, when no gradient has flowed yet, a new
    /// UNDEFINED buffer installed as <see cref="Grad"/> with <paramref name="fresh"/> true (the caller then stores
    /// <c>0 + value</c> into every element, which is what accumulating into a zero-filled buffer gives, bit for bit,
    /// without the clearing pass).
    /// </summary>
    internal float[] GradForWrite(out bool fresh)
    {
        fresh = Grad == null;
        if (!fresh) return Grad!;
        ThrowIfReleased();
        var g = _owner != null ? _owner.Rent(Numel) : new float[Numel];
        Grad = g;
        return g;
    }

    /// <summary>Sets every element of <see cref="Grad"/> to zero (keeps the buffer).</summary>
    public void ZeroGrad()
    {
        if (Grad != null) Array.Clear(Grad);
    }

    /// <summary>Drops the gradient buffer of a leaf (it is reallocated on the next accumulation).</summary>
    public void ClearGrad()
    {
        if (_owner == null) Grad = null;
        else if (Grad != null) Array.Clear(Grad);
    }

    /// <summary>
    /// Back-propagates from this scalar: seeds its gradient with 1 and runs each recorded op's backward
    /// once, in reverse topological order. Gradients accumulate into leaves' <see cref="Grad"/>.
    /// The graph is kept, so calling it twice accumulates twice.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor is not a single element or does not require grad.</exception>
    public void Backward()
    {
        ThrowIfReleased();
        if (Numel != 1)
            throw new InvalidOperationException($"Backward() needs a scalar, got shape [{string.Join(", ", Shape)}]; reduce it with Ops.Sum or Ops.Mean first.");
        if (!RequiresGrad)
            throw new InvalidOperationException("Backward() on a tensor that does not require grad: no parameter with RequiresGrad=true reaches it, or it was computed under NoGrad.");
        var order = TopologicalOrder();
        EnsureGrad()[0] += 1f;
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var node = order[i];
            if (node._backward != null && node.Grad != null) node._backward(node);
        }
    }

    /// <summary>Nodes reachable through RequiresGrad edges, parents before children (post-order DFS).</summary>
    private List<Tensor> TopologicalOrder()
    {
        int stamp = Interlocked.Increment(ref s_visitStamp);
        var order = new List<Tensor>();
        var stack = new Stack<(Tensor Node, int Next)>();
        _stamp = stamp;
        stack.Push((this, 0));
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            var parents = node._parents;
            if (parents != null && next < parents.Length)
            {
                stack.Push((node, next + 1));
                var p = parents[next];
                if (p.RequiresGrad && p._stamp != stamp)
                {
                    p._stamp = stamp;
                    stack.Push((p, 0));
                }
            }
            else
            {
                order.Add(node);
            }
        }
        return order;
    }

    // ---------------------------------------------------------------- views and copies

    /// <summary>Returns the single value of a one-element tensor.</summary>
    public float Item()
    {
        ThrowIfReleased();
        if (Numel != 1) throw new InvalidOperationException($"Item() needs exactly one element, the tensor has shape [{string.Join(", ", Shape)}].");
        return Data[0];
    }

    /// <summary>A view with a new shape sharing <see cref="Data"/>; one dimension may be -1 (inferred). Differentiable.</summary>
    public Tensor Reshape(params int[] shape)
    {
        ThrowIfReleased();
        var s = ResolveShape(shape, Numel);
        var src = this;
        return FromOp(s, Data, new[] { this }, r =>
        {
            var g = src.EnsureGrad();
            System.Numerics.Tensors.TensorPrimitives.Add(g, r.Grad!, g);
        });
    }

    /// <summary>Reshapes to [Dim(0), rest] (keeps the batch dimension).</summary>
    public Tensor Flatten()
    {
        if (Rank == 0) return Reshape(1, 1);
        return Reshape(Shape[0], Shape[0] == 0 ? 0 : Numel / Shape[0]);
    }

    /// <summary>A tensor sharing <see cref="Data"/> without graph history and without grad.</summary>
    public Tensor Detach()
    {
        ThrowIfReleased();
        var t = new Tensor(Shape, Data);
        t.Adopt();
        return t;
    }

    /// <summary>A deep copy of the values into a fresh (never pooled) array, without graph history.</summary>
    public Tensor Clone()
    {
        ThrowIfReleased();
        return new Tensor(Shape, (float[])Data.Clone());
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"Tensor[{string.Join(", ", Shape)}]{(RequiresGrad ? " requires_grad" : "")}{(_released ? " released" : "")}";

    // ---------------------------------------------------------------- internals

    /// <summary>Attaches this tensor to the current step scope, if any.</summary>
    private void Adopt()
    {
        var scope = Tensors.StepScope.Current;
        if (scope != null)
        {
            _owner = scope;
            scope.Track(this);
        }
    }

    /// <summary>Called by the owning scope before its buffers are recycled.</summary>
    internal void Release()
    {
        _released = true;
        Data = Array.Empty<float>();
        Grad = null;
        _parents = null;
        _backward = null;
        _owner = null;
    }

    internal void ThrowIfReleased()
    {
        if (_released)
            throw new ObjectDisposedException(nameof(Tensor), "This tensor belonged to a StepScope that has ended; Clone() or Item() it inside the scope to keep its values.");
    }

    private static int CheckShape(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension in shape [{string.Join(", ", shape)}].", nameof(shape));
            n *= d;
            if (n > Array.MaxLength) throw new ArgumentException($"shape [{string.Join(", ", shape)}] has too many elements.", nameof(shape));
        }
        return (int)n;
    }

    private static int[] ResolveShape(int[] shape, int numel)
    {
        var s = (int[])shape.Clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"only one -1 allowed in shape [{string.Join(", ", shape)}].");
                infer = i;
            }
            else if (s[i] < 0) throw new ArgumentException($"invalid dimension {s[i]} in shape [{string.Join(", ", shape)}].");
            else known *= s[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || numel % known != 0)
                throw new ArgumentException($"cannot reshape {numel} elements to [{string.Join(", ", shape)}].");
            s[infer] = (int)(numel / known);
        }
        else if (known != numel)
        {
            throw new ArgumentException($"cannot reshape {numel} elements to [{string.Join(", ", shape)}].");
        }
        return s;
    }
}
