namespace Kernel.Abstractions;

/// <summary>Bad input to a directory operation (unknown domain, malformed name, duplicate). The message is one clear line.</summary>
public sealed class DirectoryException(DirectoryError error, string message) : Exception(message)
{
    public DirectoryError Error { get; } = error;
}
