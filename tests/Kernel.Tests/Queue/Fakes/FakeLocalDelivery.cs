using System.Collections.Concurrent;
using Kernel.Abstractions;
using Kernel.Mailboxes;

namespace Kernel.Tests.Queue.Fakes;

/// <summary>
/// Records appends (owner, mailbox, body text) and gives increasing UIDs. Mailboxes other than INBOX must be listed in
/// <see cref="Mailboxes"/>; <see cref="Gate"/>, when set, makes every call wait for it (a stuck or crashing store).
/// </summary>
public sealed class FakeLocalDelivery : ILocalDelivery
{
    private uint _uid;

    public ConcurrentQueue<(AccountAddress Owner, string Mailbox, string Body, MessageFlags Flags)> Appended { get; } = new();

    /// <summary>The body file of each appended item (a rule-edited copy is a new one; otherwise the queue's own).</summary>
    public ConcurrentQueue<string> BodyIds { get; } = new();

    public HashSet<string> Mailboxes { get; } = new(StringComparer.OrdinalIgnoreCase) { "INBOX" };

    public HashSet<AccountAddress> OverQuota { get; } = [];

    public TaskCompletionSource? Gate { get; set; }

    public int Calls;

    public async Task<IReadOnlyList<LocalDeliveryResult>> DeliverAsync(IReadOnlyList<LocalDeliveryItem> items, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Calls);
        if (Gate is { } gate) await gate.Task.WaitAsync(cancellationToken);
        var results = new List<LocalDeliveryResult>();
        foreach (var item in items)
        {
            if (OverQuota.Contains(item.Owner)) { results.Add(new(null, MailboxError.OverQuota, "over quota")); continue; }
            if (!Mailboxes.Contains(item.Mailbox)) { results.Add(new(null, MailboxError.NonExistent, "no such mailbox")); continue; }
            using var reader = new StreamReader(item.Body.OpenRead());
            // As the real store serves it: the prefix (Return-Path, RFC 5321 §4.4) and then the shared body.
            var prefix = item.Prefix is null ? "" : System.Text.Encoding.UTF8.GetString(item.Prefix);
            BodyIds.Enqueue(item.Body.Id);
            Appended.Enqueue((item.Owner, item.Mailbox, prefix + await reader.ReadToEndAsync(cancellationToken), item.Flags));
            results.Add(new(new AppendResult(1, Interlocked.Increment(ref _uid)), null, null));
        }
        return results;
    }
}
