using System.Diagnostics;
using System.Globalization;

namespace QuantHdl.Artifacts;

/// <summary>
/// Names a process by its PID and its start time, so that a PID the kernel has handed to a new process
/// is not mistaken for the old one. On Linux the start time is field 22 of <c>/proc/PID/stat</c>
/// (clock ticks since boot), which never changes while the process lives.
/// </summary>
public static class ProcessIdentity
{
    /// <summary>This process's start token (0 where <c>/proc</c> is not available).</summary>
    public static long CurrentStart { get; } = StartToken(Environment.ProcessId) ?? 0;

    /// <summary>True while the process <paramref name="pid"/> that started at <paramref name="start"/> is running.</summary>
    public static bool IsAlive(int pid, long start)
    {
        if (pid <= 0) return false;
        if (OperatingSystem.IsLinux()) return StartToken(pid) == start;
        // Without /proc the start time cannot be compared; a live PID is then taken as the same process,
        // which can only keep a stale folder, never delete a live one.
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The start token of a running process, or null when it is gone (a zombie counts as gone).</summary>
    private static long? StartToken(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces; fields 3.. follow the last ')'.
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (rest[0] == "Z" || rest[0] == "X") return null;
            return long.Parse(rest[19], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
