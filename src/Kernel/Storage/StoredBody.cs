using Kernel.Abstractions;

namespace Kernel.Storage;

/// <summary>A body held by the <see cref="BodyStore"/>; passing it back to the kernel adds a reference instead of copying.</summary>
public sealed class StoredBody(string id, string path, long length) : MessageBody
{
    public string Id { get; } = id;

    public string FilePath { get; } = path;

    public override long Length { get; } = length;

    public override Stream OpenRead()
    {
        FileStream stream;
        try
        {
            // The buffer no larger than the file: a reader asking for the whole small file at once (IMAP FETCH BODY[],
            // SEARCH) reads it straight, instead of a 64 KiB buffer allocated and zeroed per message opened.
            stream = new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, (int)Math.Clamp(Length, 1, 64 * 1024), FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new StoredBodyException($"message body file {FilePath} is missing");
        }
        var actual = stream.Length;
        if (actual != Length)
        {
            stream.Dispose();
            throw new StoredBodyException($"message body file {FilePath} is truncated ({actual} of {Length} bytes)");
        }
        return stream;
    }
}
