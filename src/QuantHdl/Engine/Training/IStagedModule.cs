using QuantHdl.Engine.Tensors;

namespace QuantHdl.Engine.Training;

/// <summary>
/// A network whose forward pass is a chain of named stages. The trainer reruns the stages one by one
/// to name the layer that produced the first non-finite value (see <see cref="TrainingDivergedException"/>).
/// </summary>
public interface IStagedModule
{
    /// <summary>Runs the forward pass, yielding each stage's name and output in order; the last output is the model's.</summary>
    IEnumerable<(string Name, Tensor Output)> ForwardStages(Tensor x);
}
