using QuantHdl.Verification.Verilator;

namespace QuantHdl.Reports;

/// <summary>
/// Debian's <c>chromium</c> in headless mode: a screenshot of a page, and its DOM after loading with every console
/// message (a script error shows as <c>INFO:CONSOLE</c> in Chromium's log). Each run gets its own profile folder,
/// removed afterwards.
/// </summary>
public static class HeadlessChromium
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>Renders <paramref name="page"/> at <paramref name="width"/> x <paramref name="height"/> pixels into the PNG <paramref name="png"/>.</summary>
    public static void Screenshot(string page, string png, int width = 1340, int height = 1900)
    {
        if (width < 100 || height < 100) throw new ArgumentException($"screenshot size {width}x{height} is too small");
        var result = Run(["--hide-scrollbars", $"--window-size={width},{height}", $"--screenshot={Path.GetFullPath(png)}"], page);
        if (!File.Exists(png)) throw new InvalidOperationException($"chromium wrote no screenshot {png}: {Last(result.Stderr)}");
    }

    /// <summary>The DOM of <paramref name="page"/> after loading, and the console messages it logged.</summary>
    public static (string Dom, IReadOnlyList<string> Console) DumpDom(string page)
    {
        var result = Run(["--enable-logging=stderr", "--v=0", "--dump-dom"], page);
        var console = result.Stderr.Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal)).ToList();
        return (result.Stdout, console);
    }

    private static ToolResult Run(string[] args, string page)
    {
        var exe = ExternalTool.Find("chromium");
        var profile = Path.Combine(Path.GetTempPath(), $"quanthdl-chromium-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            var all = new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={profile}" }
                .Concat(args).Append(new Uri(Path.GetFullPath(page)).AbsoluteUri);
            var r = ExternalTool.Run(exe, all, Path.GetTempPath(), Timeout);
            if (r.ExitCode != 0) throw new InvalidOperationException($"chromium exited with code {r.ExitCode}: {Last(r.Stderr)}");
            return r;
        }
        finally
        {
            if (Directory.Exists(profile)) Directory.Delete(profile, recursive: true);
        }
    }

    private static string Last(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
}
