using System.Runtime.InteropServices;
using QuantHdl.Artifacts;

namespace QuantHdl.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM: kills the child process trees, deletes every staging folder and temp
/// file of this process (<see cref="CleanupRegistry"/>), prints one line and exits with 128 + the
/// signal number (130, 143). The main thread cannot be stopped from here; once the registry is marked
/// interrupted it can start nothing new, and <see cref="Cli.Guard"/> parks it until the exit.
/// </summary>
internal static class InterruptHandler
{
    private static readonly List<PosixSignalRegistration> Registrations = [];
    private static int _handling;

    /// <summary>Registers the handlers for the life of the process.</summary>
    public static void Install()
    {
        if (Registrations.Count > 0) return;
        Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Handle(c, "SIGINT", 130)));
        Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Handle(c, "SIGTERM", 143)));
    }

    /// <summary>Blocks the calling thread for good; the signal handler is exiting the process.</summary>
    public static void Park() => Thread.Sleep(Timeout.Infinite);

    private static void Handle(PosixSignalContext context, string name, int exitCode)
    {
        context.Cancel = true; // the exit below is ours, after the cleanup
        if (Interlocked.Exchange(ref _handling, 1) == 1) return; // a second Ctrl-C while cleaning up
        var (paths, processes) = CleanupRegistry.CleanUpAfterInterrupt();
        try
        {
            if (!Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Cursor.Show(true); // a progress bar hid it
        }
        catch (IOException)
        {
            // No terminal any more.
        }
        Console.Error.WriteLine($"error: interrupted by {name}; removed {paths} staging folder(s) or temp file(s), stopped {processes} child process(es)");
        Environment.Exit(exitCode);
    }
}
