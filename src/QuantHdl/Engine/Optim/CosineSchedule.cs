namespace QuantHdl.Engine.Optim;

/// <summary>
/// Cosine learning-rate decay: <c>lr(t) = min + (base - min)·(1 + cos(π·t/T))/2</c> for t in [0, T],
/// and <c>min</c> after T. Attach it to an optimizer and call <see cref="Step"/> once per optimizer step.
/// </summary>
public sealed class CosineSchedule
{
    private readonly Optimizer _opt;

    /// <summary>Creates the schedule and sets the optimizer's learning rate to <c>lr(0)</c>.</summary>
    /// <param name="optimizer">Optimizer whose <see cref="Optimizer.Lr"/> is driven.</param>
    /// <param name="totalSteps">T, the number of steps over which the rate decays.</param>
    /// <param name="baseLr">Rate at t = 0; defaults to the optimizer's current rate.</param>
    /// <param name="minLr">Rate at t = T.</param>
    public CosineSchedule(Optimizer optimizer, int totalSteps, double? baseLr = null, double minLr = 0)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        _opt = optimizer;
        TotalSteps = totalSteps;
        BaseLr = baseLr ?? optimizer.Lr;
        MinLr = minLr;
        _opt.Lr = At(0, TotalSteps, BaseLr, MinLr);
    }

    /// <summary>T.</summary>
    public int TotalSteps { get; }

    /// <summary>Rate at t = 0.</summary>
    public double BaseLr { get; }

    /// <summary>Rate at t = T.</summary>
    public double MinLr { get; }

    /// <summary>Steps taken so far (t).</summary>
    public int CurrentStep { get; private set; }

    /// <summary>Advances t by one and sets the optimizer's rate to <c>lr(t)</c>. Call after <see cref="Optimizer.Step"/>.</summary>
    public void Step()
    {
        CurrentStep++;
        _opt.Lr = At(CurrentStep, TotalSteps, BaseLr, MinLr);
    }

    /// <summary>The cosine rate at step <paramref name="t"/> of <paramref name="totalSteps"/> (clamped to [0, T]).</summary>
    public static double At(int t, int totalSteps, double baseLr, double minLr = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        double f = Math.Clamp((double)t / totalSteps, 0, 1);
        return minLr + (baseLr - minLr) * 0.5 * (1 + Math.Cos(Math.PI * f));
    }
}
