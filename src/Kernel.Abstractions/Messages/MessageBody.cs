namespace Kernel.Abstractions;

/// <summary>
/// Message bytes (RFC 5322, CRLF line ends). A plugin makes one from bytes or a file; the kernel hands out bodies it
/// has stored, which it can reference again without copying (a message delivered to many mailboxes is stored once).
/// </summary>
public abstract class MessageBody
{
    public abstract long Length { get; }

    /// <summary>A new read-only stream positioned at the start; the caller disposes it.</summary>
    public abstract Stream OpenRead();

    public static MessageBody FromBytes(ReadOnlyMemory<byte> bytes) => new MemoryMessageBody(bytes);

    public static MessageBody FromFile(string path) => new FileMessageBody(path);

    private sealed class MemoryMessageBody(ReadOnlyMemory<byte> bytes) : MessageBody
    {
        public override long Length => bytes.Length;

        public override Stream OpenRead() =>
            System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(bytes.ToArray(), writable: false);
    }

    private sealed class FileMessageBody(string path) : MessageBody
    {
        public override long Length => new FileInfo(path).Length;

        public override Stream OpenRead() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
    }
}
