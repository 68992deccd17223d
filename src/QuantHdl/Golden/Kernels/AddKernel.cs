using QuantHdl.Arithmetic;
using QuantHdl.Compiler.Ir;

namespace QuantHdl.Golden.Kernels;

/// <summary>
/// The golden kernel of <see cref="AddOp"/> (docs/integer-semantics.md §9): per element,
/// sum = a * MA + b * MB checked against its declared width, then rshift_round by the shared shift and a clamp
/// to the output type (ReLU for an unsigned output). hdl/residual_add.v computes the same.
/// </summary>
public sealed class AddKernel : IKernel
{
    private readonly string _name;
    private readonly AddOp _op;
    private readonly IntType _a;
    private readonly IntType _b;
    private readonly IntType _sum;
    private readonly IntType _out;

    /// <summary>Prepares the kernel for one node reading edges of types <paramref name="a"/> (main) and <paramref name="b"/> (shortcut).</summary>
    public AddKernel(IrNode node, IntType a, IntType b)
    {
        _name = node.Name;
        _op = (AddOp)node.Op;
        (_a, _b, _out) = (a, b, node.OutType);
        _sum = IntType.S(_op.SumBits);
    }

    /// <inheritdoc/>
    public long[] Run(ReadOnlySpan<long> x, int sample) => throw new InvalidOperationException($"add {_name} reads two streams");

    /// <inheritdoc/>
    public long[] Run(long[][] inputs, int sample)
    {
        var (a, b) = (inputs[0], inputs[1]);
        if (a.Length != b.Length) throw new IntegerOverflowException($"add {_name}, sample {sample}: inputs of {a.Length} and {b.Length} elements");
        var y = new long[a.Length];
        for (int i = 0; i < y.Length; i++)
        {
            if (!_a.Fits(a[i]) || !_b.Fits(b[i]))
                throw new IntegerOverflowException($"add {_name}, sample {sample}, element {i}: input {a[i]} or {b[i]} leaves {_a} / {_b}");
            long sum = a[i] * _op.MA + b[i] * _op.MB;
            if (!_sum.Fits(sum)) throw new IntegerOverflowException($"add {_name}, sample {sample}, element {i}: sum {sum} leaves {_sum}");
            y[i] = AddMath.Apply(a[i], b[i], _op.MA, _op.MB, _op.Shift, _out.Min, _out.Max);
        }
        return y;
    }
}
