namespace QuantHdl.Engine.Data;

/// <summary>A dataset file is missing, malformed or inconsistent. The message names the file and the problem.</summary>
public sealed class DatasetException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DatasetException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public DatasetException(string message, Exception inner) : base(message, inner) { }
}
