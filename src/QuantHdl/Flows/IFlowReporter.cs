namespace QuantHdl.Flows;

/// <summary>How a long stage reports progress and results; the CLI draws bars, tests collect lines.</summary>
public interface IFlowReporter
{
    /// <summary>Runs <paramref name="work"/> with a progress task of <paramref name="total"/> steps.</summary>
    void Progress(string label, long total, Action<Action<long>> work);

    /// <summary>A line of result or status text.</summary>
    void Info(string message);
}

/// <summary>Reports nothing; for library callers and tests.</summary>
public sealed class SilentReporter : IFlowReporter
{
    /// <summary>Collected info lines.</summary>
    public List<string> Lines { get; } = new();

    /// <inheritdoc/>
    public void Progress(string label, long total, Action<Action<long>> work) => work(_ => { });

    /// <inheritdoc/>
    public void Info(string message) => Lines.Add(message);
}
