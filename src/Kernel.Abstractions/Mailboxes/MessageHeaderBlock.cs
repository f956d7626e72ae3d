using System.Buffers;

namespace Kernel.Abstractions;

/// <summary>
/// Reads a message's header block (RFC 5322 §2.1: the fields up to the first empty line, the empty line left out;
/// the whole message when there is none) from its stream, no further than needed. Shared by
/// <see cref="IMailboxView.ReadHeadersAsync"/>'s default and the kernel's header cache, so both cut the block the same way.
/// </summary>
internal static class MessageHeaderBlock
{
    /// <summary>A header block longer than this is not returned (<see cref="ReadAsync"/> gives null).</summary>
    public const int MaxLength = 256 * 1024;

    /// <summary>The header block of the message in <paramref name="stream"/>; null when it is longer than <see cref="MaxLength"/>.</summary>
    public static async Task<byte[]?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(8 * 1024);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= MaxLength) return null;
                    var larger = ArrayPool<byte>.Shared.Rent(length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await stream.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, MaxLength + 1) - length), cancellationToken);
                if (read == 0) return length > MaxLength ? null : buffer.AsSpan(0, length).ToArray();
                // Look again from two bytes back: the empty line may straddle two reads.
                var from = Math.Max(0, length - 2);
                length += read;
                if (End(buffer.AsSpan(0, length), from) is { } end) return end > MaxLength ? null : buffer.AsSpan(0, end).ToArray();
                if (length > MaxLength) return null;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Where the header ends: the start of the first empty line (CRLF or a bare LF) at or after <paramref name="from"/>.</summary>
    public static int? End(ReadOnlySpan<byte> data, int from)
    {
        if (from == 0 && data.Length > 0 && (data[0] == '\n' || (data.Length > 1 && data[0] == '\r' && data[1] == '\n'))) return 0;
        for (var i = data[from..].IndexOf((byte)'\n'); i >= 0;)
        {
            var at = from + i + 1; // just after a LF: an empty line starts here when LF or CRLF follows
            if (at < data.Length && data[at] == '\n') return at;
            if (at + 1 < data.Length && data[at] == '\r' && data[at + 1] == '\n') return at;
            from = at;
            i = data[from..].IndexOf((byte)'\n');
        }
        return null;
    }
}
