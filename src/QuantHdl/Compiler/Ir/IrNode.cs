using QuantHdl.Arithmetic;

namespace QuantHdl.Compiler.Ir;

/// <summary>
/// One node of the dataflow graph. Its output edge carries <paramref name="OutSize"/> elements of
/// <paramref name="OutType"/> per frame, <paramref name="OutLanes"/> elements per beat, at real scale
/// <paramref name="OutScale"/> (informational; integer semantics never use it).
/// </summary>
public sealed record IrNode(string Name, string[] Inputs, IrOp Op, IntType OutType, int OutSize, int OutLanes, double OutScale);
