using System.Collections.Concurrent;
using Kernel.Abstractions;
using static Kernel.Tests.Integration.KernelBed;

namespace Kernel.Tests.Integration;

/// <summary>
/// The delivery pipeline end to end on the real composition (issue 3 §5): submit through <see cref="IMessageQueue"/>,
/// the delivery worker routes with the kernel's default router (no Router plugin), expands groups from the real
/// account store, appends to the real mailbox store, and returns DSNs built by the real message factory.
/// </summary>
public sealed class PipelineOnRealStoresTests : IAsyncLifetime
{
    private KernelBed _bed = null!;

    public async Task InitializeAsync()
    {
        _bed = await KernelBed.CreateAsync();
        await _bed.StartPipelineAsync();
    }

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    private async Task<string> SubmitAsync(string sender, string subject, params string[] recipients)
    {
        var result = await _bed.Queue.SubmitAsync(Envelope(sender, recipients), Message(subject, sender.Length == 0 ? "mailer-daemon@remote.example" : sender));
        Assert.True(result.Accepted);
        return result.QueueId!;
    }

    private Task WaitForDeliveredAsync(string queueId, int count) =>
        WaitUntilAsync(() => Task.FromResult(_bed.Delivered.Count(d => d.QueueId == queueId) >= count), $"{count} MessageDelivered for {queueId}");

    [Fact]
    public async Task A_submitted_message_lands_in_INBOX_the_bus_says_so_and_the_body_reads_back()
    {
        var id = await SubmitAsync("sender@remote.example", "hello alice", "Alice@Company.Dom");
        await WaitForDeliveredAsync(id, 1);
        var delivered = Assert.Single(_bed.Delivered);
        Assert.Equal((id, "Alice@Company.Dom", A("alice"), "INBOX", 1u), (delivered.QueueId, delivered.Recipient, delivered.Account!, delivered.Mailbox!, delivered.Uid));

        // Read back by the owner through the ACL-checked store, byte for byte what was submitted.
        var status = await _bed.Mailboxes.GetStatusAsync(U("alice"), "INBOX");
        Assert.Equal((1, 1, 2u), (status.Messages, status.Unseen, status.UidNext));
        var body = await _bed.Mailboxes.OpenMessageAsync(U("alice"), "INBOX", 1);
        Assert.NotNull(body);
        var text = await ReadAsync(body);
        // RFC 5321 §4.4: the final delivery adds the reverse-path first (a stored prefix); the rest is what was submitted.
        Assert.StartsWith("Return-Path: <sender@remote.example>\r\nFrom: <sender@remote.example>\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nbody of hello alice\r\n", text, StringComparison.Ordinal);
        Assert.Equal(text.Length, Assert.Single(await _bed.Mailboxes.FetchAsync(U("alice"), "INBOX", UidSet.All)).Size);

        await _bed.WaitForEmptyQueueAsync();
        Assert.Null(await _bed.Queue.GetAsync(id));
    }

    [Fact]
    public async Task A_message_to_several_local_recipients_is_stored_once_with_one_reference_per_mailbox()
    {
        var id = await SubmitAsync("sender@remote.example", "to three", "alice@company.dom", "bob@company.dom", "dave@dept1.company.dom");
        await WaitForDeliveredAsync(id, 3);
        await _bed.WaitForEmptyQueueAsync();

        Assert.Equal(["alice@company.dom", "bob@company.dom", "dave@dept1.company.dom"], _bed.Delivered.Select(d => d.Account!.ToString()).Order(StringComparer.Ordinal));
        var bodyIds = new[] { A("alice"), A("bob"), A("dave", Dept) }.Select(a => Assert.Single(_bed.BodyIdsOf(a))).Distinct().ToList();
        var bodyId = Assert.Single(bodyIds);
        // One file on disk; the queue's own reference is gone, each mailbox message holds one.
        Assert.Equal([bodyId], _bed.StoredBodies());
        Assert.Equal(new Dictionary<string, long> { [bodyId] = 3 }, _bed.BodyRows());

        // Expunging one copy drops one reference; the file stays until the last goes.
        await _bed.Mailboxes.StoreFlagsAsync(U("alice"), "INBOX", UidSet.All, new(FlagChangeMode.Add, MessageFlags.Deleted, []));
        await _bed.Mailboxes.ExpungeAsync(U("alice"), "INBOX");
        Assert.Equal(new Dictionary<string, long> { [bodyId] = 2 }, _bed.BodyRows());
        await _bed.Accounts.DeleteAccountAsync(A("bob"));
        await _bed.Accounts.DeleteAccountAsync(A("dave", Dept));
        Assert.Empty(_bed.BodyRows());
        Assert.Empty(_bed.StoredBodies());
    }

    [Theory]
    [InlineData(GroupKind.Group)]
    [InlineData(GroupKind.MailingList)]
    public async Task A_group_expands_to_its_members_each_delivered_once(GroupKind kind)
    {
        await _bed.Accounts.CreateGroupAsync(A("team"), kind);
        await _bed.Accounts.SetGroupMembersAsync(A("team"), ["alice@company.dom", "bob@company.dom", "dave@dept1.company.dom"]);
        // Alice is also named directly: she still gets one copy.
        var id = await SubmitAsync("sender@remote.example", "team news", "team@company.dom", "alice@company.dom");
        await WaitForDeliveredAsync(id, 3);
        await _bed.WaitForEmptyQueueAsync();

        foreach (var member in new[] { A("alice"), A("bob"), A("dave", Dept) })
            Assert.Contains("Subject: team news", Assert.Single(await _bed.MessagesAsync(member)), StringComparison.Ordinal);
        Assert.Empty(await _bed.MessagesAsync(A("carol")));
        Assert.Equal(3, _bed.Delivered.Count(d => d.QueueId == id));
        Assert.Single(_bed.StoredBodies());
    }

    [Fact]
    public async Task An_unknown_local_recipient_gets_a_DSN_back_to_the_senders_INBOX()
    {
        var id = await SubmitAsync("alice@company.dom", "partly wrong", "nobody@company.dom", "bob@company.dom");
        await _bed.WaitForEmptyQueueAsync();

        Assert.Contains("Subject: partly wrong", Assert.Single(await _bed.MessagesAsync(A("bob"))), StringComparison.Ordinal);
        var dsn = Assert.Single(await _bed.MessagesAsync(A("alice")));
        // RFC 3464: a multipart/report naming the failed recipient, its status and the original.
        Assert.Contains("multipart/report", dsn, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("report-type=delivery-status", dsn, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Final-Recipient: rfc822; nobody@company.dom", dsn, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Action: failed", dsn, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Status: 5.1.1", dsn, StringComparison.Ordinal);
        Assert.DoesNotContain("Final-Recipient: rfc822; bob@company.dom", dsn, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Subject: partly wrong", dsn, StringComparison.Ordinal);
        // RFC 5321 §4.4: delivered from the null reverse-path, so its Return-Path is empty.
        Assert.StartsWith("Return-Path: <>\r\n", dsn, StringComparison.Ordinal);
        // The DSN itself went out from the null reverse-path (RFC 3461 §6.2) and was delivered like any message (the bus
        // hands events over on its own thread, so its MessageDelivered may come after the queue is empty).
        await WaitUntilAsync(() => Task.FromResult(_bed.Delivered.Any(d => d.QueueId != id && d.Account == A("alice") && d.Mailbox == "INBOX")),
            "the DSN's MessageDelivered");
    }

    [Fact]
    public async Task A_DSN_that_cannot_be_delivered_never_bounces()
    {
        var submitted = new ConcurrentQueue<MessageSubmitted>();
        using var _ = _bed.Bus.Subscribe<MessageSubmitted>((e, _) => { submitted.Enqueue(e); return ValueTask.CompletedTask; });

        // A null sender to an unknown recipient: failed, and no report to anyone.
        var nullSender = await SubmitAsync("", "bounce of a bounce", "nobody@company.dom");
        await _bed.WaitForEmptyQueueAsync();
        // The bus hands events over on its own thread: they may arrive after the queue is empty.
        await WaitUntilAsync(() => Task.FromResult(!submitted.IsEmpty), "MessageSubmitted of the null-sender message");
        Assert.Equal([nullSender], submitted.Select(s => s.QueueId));

        // An unknown local sender: the DSN to it fails too, and that failure (null sender) ends there.
        var ghost = await SubmitAsync("ghost@company.dom", "from a ghost", "nobody@company.dom");
        await _bed.WaitForEmptyQueueAsync();
        await WaitUntilAsync(() => Task.FromResult(submitted.Count >= 3), "MessageSubmitted of the ghost's message and its DSN");
        var ids = submitted.Select(s => s.QueueId).ToList();
        Assert.Equal(3, ids.Count); // the two submissions and exactly one DSN
        Assert.Equal([nullSender, ghost], ids.Take(2));
        var dsn = submitted.Last();
        Assert.Equal(("", 1), (dsn.Sender, dsn.RecipientCount));

        foreach (var account in new[] { "marketing", "public", "carol", "alice", "bob", "postmaster", "ops" })
            Assert.Empty(await _bed.MessagesAsync(A(account)));
        Assert.Empty(_bed.Delivered);
        Assert.Empty(_bed.StoredBodies());
        Assert.Empty(_bed.BodyRows());
    }

    [Fact]
    public async Task A_non_local_domain_is_refused_by_the_default_router_with_a_DSN()
    {
        await SubmitAsync("bob@company.dom", "to the outside", "friend@remote.example");
        await _bed.WaitForEmptyQueueAsync();

        var dsn = Assert.Single(await _bed.MessagesAsync(A("bob")));
        Assert.Contains("Final-Recipient: rfc822; friend@remote.example", dsn, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Action: failed", dsn, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Status: 5.1.2", dsn, StringComparison.Ordinal);
        Assert.Contains("remote.example is not a local domain", dsn, StringComparison.Ordinal);
        // Nothing is waiting for a transport: the default router never relays.
        Assert.Empty(await _bed.Queue.ListAsync());
    }

    [Fact]
    public async Task Aliases_forwarders_domain_aliases_and_postmaster_route_to_the_real_account()
    {
        await _bed.Accounts.AddAliasAsync(A("al"), A("alice"));
        await _bed.Accounts.AddDomainAliasAsync(Main, "corp.dom");
        await _bed.Accounts.SetForwarderAsync(A("fwd"), "bob@company.dom");
        var id = await SubmitAsync("sender@remote.example", "routed", "al@corp.dom", "fwd@company.dom", "postmaster@dept1.company.dom");
        await WaitForDeliveredAsync(id, 3);
        await _bed.WaitForEmptyQueueAsync();

        Assert.Equal([("al@corp.dom", "alice@company.dom"), ("fwd@company.dom", "bob@company.dom"), ("postmaster@dept1.company.dom", "postmaster@company.dom")],
            _bed.Delivered.Select(d => (d.Recipient, d.Account!.ToString())).Order());
        foreach (var account in new[] { "alice", "bob", "postmaster" }) Assert.Single(await _bed.MessagesAsync(A(account)));
    }

    [Fact]
    public async Task Many_concurrent_submissions_to_one_mailbox_get_unique_increasing_uids()
    {
        const int count = 100;
        var ids = await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(() => SubmitAsync("sender@remote.example", $"m{i}", "carol@company.dom"))));
        await WaitUntilAsync(() => Task.FromResult(_bed.Delivered.Count >= count), $"{count} deliveries");
        await _bed.WaitForEmptyQueueAsync();
        var uids = _bed.Delivered.Select(d => d.Uid!.Value).Order().ToList();
        Assert.Equal(Enumerable.Range(1, count).Select(i => (uint)i), uids);
        Assert.Equal(ids.Order(StringComparer.Ordinal), _bed.Delivered.Select(d => d.QueueId).Order(StringComparer.Ordinal));
        Assert.Equal(count, (await _bed.Mailboxes.GetStatusAsync(U("carol"), "INBOX")).Messages);
        Assert.Equal(count, _bed.StoredBodies().Count);
    }
}
