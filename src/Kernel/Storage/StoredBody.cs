using Kernel.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace Kernel.Storage;

/// <summary>
/// A body held by the <see cref="BodyStore"/>; passing it back to the kernel adds a reference instead of copying.
/// Either a file (<see cref="FilePath"/>) or inline: bytes in the database's <c>body_data</c> row (015), which a
/// body just written or read in a batch holds already (<see cref="Data"/>) and any other reads when it is opened —
/// rows that only need the size never load the bytes.
/// </summary>
public sealed class StoredBody : MessageBody
{
    private readonly BodyStore? _store;

    /// <summary>A body file.</summary>
    internal StoredBody(string id, string path, long length)
    {
        Id = id;
        FilePath = path;
        Length = length;
    }

    /// <summary>An inline body: its bytes when already in memory, else read from <paramref name="store"/> when opened.</summary>
    internal StoredBody(string id, long length, BodyStore store, byte[]? data)
    {
        Id = id;
        Length = length;
        _store = store;
        Data = data;
    }

    public string Id { get; }

    /// <summary>The body file; null for an inline body.</summary>
    public string? FilePath { get; }

    public bool IsInline => FilePath is null;

    /// <summary>An inline body's bytes when this instance holds them (just written, or read by a batch); else null.</summary>
    internal byte[]? Data { get; }

    public override long Length { get; }

    public override Stream OpenRead() => FilePath is null ? OpenInline() : OpenFile(FilePath);

    private Stream OpenInline()
    {
        var data = Data ?? _store!.ReadInline(Id);
        if (data.Length != Length) throw new StoredBodyException($"message body {Id} in the database is truncated ({data.Length} of {Length} bytes)");
        return new MemoryStream(data, writable: false);
    }

    private Stream OpenFile(string path)
    {
        SafeFileHandle handle;
        try
        {
            // A handle read by offset (BodyFileStream), not a FileStream: see there why.
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new StoredBodyException($"message body file {path} is missing");
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
            throw new StoredBodyException($"message body file {path} is truncated ({actual} of {Length} bytes)");
        }
        return new BodyFileStream(handle, actual);
    }
}
