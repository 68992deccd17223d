namespace QuantHdl.Hardware;

/// <summary>
/// Where the hand-written RTL library (<c>hdl/</c>), the Handlebars templates (<c>templates/</c>) and the
/// Verilator harness (<c>sim/</c>) are. The csproj copies all three next to the binaries under
/// <c>assets/</c>; when they are not there (a binary copied on its own), the repository root, the folder
/// holding QuantHdl.sln, is searched upwards from the binaries.
/// </summary>
public sealed record RtlAssets(string HdlDir, string TemplatesDir, string SimDir)
{
    /// <summary>Finds the assets; throws <see cref="DirectoryNotFoundException"/> saying where it looked.</summary>
    public static RtlAssets Locate()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "assets");
        if (IsComplete(beside)) return FromRoot(beside);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "QuantHdl.sln")) && IsComplete(dir.FullName))
                return FromRoot(dir.FullName);
        }
        throw new DirectoryNotFoundException(
            $"cannot find hdl/, templates/ and sim/: looked in {beside} and in every parent of {AppContext.BaseDirectory} holding QuantHdl.sln; rebuild the QuantHdl project so it copies them");
    }

    private static bool IsComplete(string root) =>
        Directory.Exists(Path.Combine(root, "hdl")) && Directory.Exists(Path.Combine(root, "templates")) && Directory.Exists(Path.Combine(root, "sim"));

    private static RtlAssets FromRoot(string root) =>
        new(Path.Combine(root, "hdl"), Path.Combine(root, "templates"), Path.Combine(root, "sim"));
}
