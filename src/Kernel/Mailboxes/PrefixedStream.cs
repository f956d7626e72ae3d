namespace Kernel.Mailboxes;

/// <summary>
/// A read-only, seekable stream over a prefix in memory and then a seekable inner stream (the body file), so byte
/// ranges (<see cref="BodyRangeStream"/>) and the structure parser see prefix + body as one message without a copy.
/// Owns (and disposes) the inner stream.
/// </summary>
internal sealed class PrefixedStream(byte[] prefix, Stream inner) : ReadOnlyWindowStream(inner)
{
    public override long Length => prefix.Length + Inner.Length;

    public override int Read(Span<byte> buffer)
    {
        if (Current < prefix.Length) return FromPrefix(buffer);
        var read = Inner.Read(buffer);
        Current += read;
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Current < prefix.Length) return FromPrefix(buffer.Span);
        var read = await Inner.ReadAsync(buffer, cancellationToken);
        Current += read;
        return read;
    }

    /// <summary>Copies what is left of the prefix (at most <paramref name="buffer"/>'s size); a read never spans both parts.</summary>
    private int FromPrefix(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, prefix.Length - Current);
        prefix.AsSpan((int)Current, n).CopyTo(buffer);
        Current += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = SeekTarget(offset, origin);
        Current = target;
        Inner.Seek(Math.Max(0, target - prefix.Length), SeekOrigin.Begin);
        return Current;
    }
}
