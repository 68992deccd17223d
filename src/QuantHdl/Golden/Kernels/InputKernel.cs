using QuantHdl.Compiler.Ir;
using QuantHdl.Arithmetic;

namespace QuantHdl.Golden.Kernels;

/// <summary>The golden kernel of <see cref="InputOp"/>: the sample itself, once it has the input's size and every value fits its type.</summary>
public sealed class InputKernel : IKernel
{
    private readonly string _name;
    private readonly int _size;
    private readonly IntType _type;

    /// <summary>Prepares the kernel for the input node.</summary>
    public InputKernel(IrNode node)
    {
        _name = node.Name;
        _size = node.OutSize;
        _type = node.OutType;
    }

    /// <inheritdoc/>
    public long[] Run(ReadOnlySpan<long> x, int sample)
    {
        if (x.Length != _size)
            throw new ArgumentException($"input has {x.Length} elements, the graph's input '{_name}' expects {_size}");
        foreach (var v in x)
            if (!_type.Fits(v))
                throw new IntegerOverflowException($"input {_name}, sample {sample}: value {v} does not fit {_type}");
        return x.ToArray();
    }
}
