using Kernel.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace Kernel.Storage;

/// <summary>A body held by the <see cref="BodyStore"/>; passing it back to the kernel adds a reference instead of copying.</summary>
public sealed class StoredBody(string id, string path, long length) : MessageBody
{
    public string Id { get; } = id;

    public string FilePath { get; } = path;

    public override long Length { get; } = length;

    public override Stream OpenRead()
    {
        SafeFileHandle handle;
        try
        {
            // A handle read by offset (BodyFileStream), not a FileStream: see there why.
            handle = File.OpenHandle(FilePath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new StoredBodyException($"message body file {FilePath} is missing");
        }
        long actual;
        try
        {
            actual = RandomAccess.GetLength(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        if (actual != Length)
        {
            handle.Dispose();
            throw new StoredBodyException($"message body file {FilePath} is truncated ({actual} of {Length} bytes)");
        }
        return new BodyFileStream(handle, actual);
    }
}
