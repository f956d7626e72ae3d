using Kernel.Abstractions;
using Kernel.Storage;

namespace Kernel.Mailboxes;

/// <summary>
/// A stored message that is a small header prefix kept in its mailbox row (Return-Path on local delivery,
/// RFC 5321 §4.4; 012_message_prefix.sql) followed by a shared body file. Readers see one message; the store
/// recognises it on APPEND and shares the file again (one more reference, the prefix kept) instead of copying it.
/// </summary>
internal sealed class PrefixedBody(byte[] prefix, StoredBody body) : MessageBody
{
    public byte[] Prefix { get; } = prefix;

    public StoredBody Body { get; } = body;

    public override long Length => Prefix.Length + Body.Length;

    public override Stream OpenRead() => new PrefixedStream(Prefix, Body.OpenRead());
}
