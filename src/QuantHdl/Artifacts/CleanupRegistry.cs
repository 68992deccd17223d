using System.Diagnostics;

namespace QuantHdl.Artifacts;

/// <summary>
/// Everything this process has half-made and must not leave behind when it is interrupted: staging
/// folders, temp files, and the child processes it started (Verilator, make, the harness).
/// <see cref="CleanUpAfterInterrupt"/> removes them all; from then on nothing new may be registered, so
/// the main thread, which keeps running until the process exits, cannot start another child or stage
/// another folder.
/// </summary>
public static class CleanupRegistry
{
    // One lock for the registry and for the moves that turn a staging folder into a finished one, so an
    // interrupt either sees the folder staged (and deletes it) or moved into place (and leaves it).
    internal static readonly object Gate = new();

    private static readonly HashSet<string> Paths = new(StringComparer.Ordinal);
    private static readonly HashSet<Process> Processes = [];

    /// <summary>True once <see cref="CleanUpAfterInterrupt"/> has run.</summary>
    public static bool Interrupted { get; private set; }

    /// <summary>Registers a folder or file to delete on interrupt; throws <see cref="OperationCanceledException"/> after one.</summary>
    internal static void AddPath(string path)
    {
        lock (Gate)
        {
            ThrowIfInterrupted();
            Paths.Add(path);
        }
    }

    /// <summary>Forgets a path that was deleted or moved into place.</summary>
    internal static void RemovePath(string path)
    {
        lock (Gate) Paths.Remove(path);
    }

    /// <summary>Starts a child process that an interrupt kills with its whole tree.</summary>
    public static Process StartTracked(ProcessStartInfo psi)
    {
        lock (Gate)
        {
            ThrowIfInterrupted();
            var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {psi.FileName}");
            Processes.Add(p);
            return p;
        }
    }

    /// <summary>Forgets a child process that has exited.</summary>
    public static void Untrack(Process p)
    {
        lock (Gate) Processes.Remove(p);
    }

    /// <summary>Throws <see cref="OperationCanceledException"/> once the process has been interrupted.</summary>
    public static void ThrowIfInterrupted()
    {
        if (Interrupted) throw new OperationCanceledException("interrupted");
    }

    /// <summary>
    /// Kills every tracked child process tree and deletes every registered folder and file. Returns how
    /// many of each it removed. Called from the signal handler; safe to call once.
    /// </summary>
    public static (int Paths, int Processes) CleanUpAfterInterrupt()
    {
        string[] paths;
        int killed = 0;
        lock (Gate)
        {
            Interrupted = true;
            foreach (var p in Processes)
            {
                try
                {
                    if (!p.HasExited)
                    {
                        p.Kill(entireProcessTree: true);
                        killed++;
                    }
                }
                catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // It exited meanwhile.
                }
            }
            paths = [.. Paths];
        }
        int removed = 0;
        foreach (var path in paths)
            if (DeleteWithRetry(path)) removed++;
        return (removed, killed);
    }

    /// <summary>
    /// Deletes a folder the main thread may still be writing into: a file created during the recursive
    /// delete makes it fail, so it is tried again, and checked again afterwards in case the folder was
    /// recreated.
    /// </summary>
    private static bool DeleteWithRetry(string path)
    {
        bool existed = Directory.Exists(path) || File.Exists(path);
        int quiet = 0;
        for (int attempt = 0; attempt < 50 && quiet < 3; attempt++)
        {
            try
            {
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                else if (File.Exists(path)) File.Delete(path);
                else
                {
                    quiet++;
                    Thread.Sleep(10);
                    continue;
                }
                quiet = 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(10);
            }
        }
        return existed;
    }
}
