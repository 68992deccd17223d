using QuantHdl.Flows;
using Spectre.Console;

namespace QuantHdl.Cli;

/// <summary>Progress bars and status lines on the terminal (plain lines when output is redirected).</summary>
internal sealed class SpectreReporter : IFlowReporter
{
    public void Progress(string label, long total, Action<Action<long>> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            var started = DateTime.UtcNow;
            work(_ => { });
            Console.WriteLine($"{label}: done in {(DateTime.UtcNow - started).TotalSeconds:F1}s");
            return;
        }
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(label), maxValue: Math.Max(1, total));
                work(n => task.Increment(n));
                task.Value = task.MaxValue;
            });
    }

    public void Info(string message) => Console.WriteLine(message);
}
