namespace QuantHdl.Artifacts;

/// <summary>
/// A file QuantHdl reads back (inputs.txt, design.json, a taps file, checkpoint.json) does not have the
/// expected layout. The message is <c>FILE line N: problem</c>, or <c>FILE: problem</c> where no line
/// applies. It is an <see cref="IOException"/>, so every caller that reports read failures reports it.
/// </summary>
public sealed class MalformedFileException : IOException
{
    /// <summary>Creates the exception; <paramref name="line"/> is 1-based, null when the problem has no line.</summary>
    public MalformedFileException(string path, int? line, string problem)
        : base(line is null ? $"{path}: {problem}" : $"{path} line {line}: {problem}")
    {
        FilePath = path;
        Line = line;
    }

    /// <summary>The file.</summary>
    public string FilePath { get; }

    /// <summary>The 1-based line, when the problem sits on one.</summary>
    public int? Line { get; }
}
