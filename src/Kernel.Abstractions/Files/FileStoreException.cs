namespace Kernel.Abstractions;

public sealed class FileStoreException(FileStoreError error, string message) : Exception(message)
{
    public FileStoreError Error { get; } = error;
}
