using Kernel.Abstractions;
using Kernel.Delivery;
using Kernel.Queue;
using Kernel.Tests.Queue;
using Kernel.Tests.Queue.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Tests.Delivery;

/// <summary>Issue 9 §3: rule actions that did not do what their contract says.</summary>
public sealed class RuleActionDefectTests
{
    [Fact]
    public async Task Forward_builds_a_new_message_from_the_account_with_the_original_attached()
    {
        await using var h = new QueueHarness();
        // The body is read while the transport has it: once delivered, the queue deletes it.
        var texts = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var transport = new FakeMailTransport
        {
            Decide = (m, _) =>
            {
                using var reader = new StreamReader(m.Body.OpenRead());
                texts.Enqueue(reader.ReadToEnd());
                return DeliveryOutcome.Delivered;
            },
        };
        h.Extensions.AddTransport(transport);
        h.Extensions.RuleEngine = new FakeRuleEngine
        {
            Delivery = (_, account, _) => Task.FromResult(account.Name == "alice"
                ? RuleOutcome.Continue with { Sends = [new OutboundCopy("carol@remote.dom", OutboundCopyMode.Forward)] }
                : RuleOutcome.Continue),
        };
        await h.StartWorkerAsync();
        await h.Queue.SubmitAsync(QueueHarness.Envelope("eve@remote.dom", "alice@test.dom"), QueueHarness.Body("hello there"));
        // The fake records the call before it reads the body, and alice's own copy may land after the forward: wait for both.
        await QueueHarness.WaitUntilAsync(() => !texts.IsEmpty, "forward sent");
        await QueueHarness.WaitUntilAsync(() => h.Local.Appended.Any(a => a.Owner.Name == "alice"), "alice's copy stored");
        var sent = Assert.Single(transport.Calls);
        Assert.Equal("alice@test.dom", sent.Envelope.Sender);
        var text = Assert.Single(texts);
        var (header, body) = (text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)], text[text.IndexOf("\r\n\r\n", StringComparison.Ordinal)..]);
        // rules.md §6: a new message from the Account, "Fwd:" subject, the original attached as message/rfc822.
        Assert.Contains("Subject: Fwd: hello there", header);
        Assert.Contains("From: <alice@test.dom>", header);
        Assert.Contains("To: <carol@remote.dom>", header);
        Assert.Contains("multipart/mixed", header);
        Assert.DoesNotContain("Resent-From", text);
        Assert.Contains("Content-Type: message/rfc822", body);
        Assert.Contains("From: a@test.dom\r\nSubject: hello there\r\n\r\nend\r\n", body);
        Assert.Contains(h.Local.Appended, a => a.Owner.Name == "alice" && a.Mailbox == "INBOX");
    }

    [Fact]
    public async Task A_foreign_store_with_the_insert_right_lands_in_the_named_mailbox()
    {
        await using var h = new QueueHarness();
        h.Local.Mailboxes.Add("Shared");
        var rights = new FakeMailboxRights();
        rights.Granted[("alice@test.dom", "~bob/Shared")] = MailboxRights.Lookup | MailboxRights.Insert;
        h.Extensions.RuleEngine = new FakeRuleEngine
        {
            Delivery = (_, account, _) => Task.FromResult(account.Name is "alice" or "carol"
                ? RuleOutcome.Continue with { DefaultDelivery = false, Stores = [new StoreRequest("~bob/Shared")] }
                : RuleOutcome.Continue),
        };
        await using var worker = new DeliveryWorker(h.Queue, h.Extensions, h.Local, h.Accounts, h.Factory, h.Bus, NullLogger<DeliveryWorker>.Instance, rights);
        await worker.StartAsync(CancellationToken.None);
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("eve@remote.dom", "alice@test.dom", "carol@test.dom"), QueueHarness.Body("shared"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result is null && h.Local.Appended.Count == 2, "delivered");
        // rules.md §6.1: the rule owner's rights decide; alice has "i" on ~bob/Shared, carol has none and falls back to INBOX.
        Assert.Contains(h.Local.Appended, a => a.Owner == new AccountAddress("bob", "test.dom") && a.Mailbox == "Shared");
        Assert.Contains(h.Local.Appended, a => a.Owner.Name == "carol" && a.Mailbox == "INBOX");
        Assert.DoesNotContain(h.Local.Appended, a => a.Owner.Name == "alice");
        Assert.Contains(rights.Asked, q => q.Principal == Principal.User(new AccountAddress("carol", "test.dom")) && q.Mailbox == "~bob/Shared");
    }

    private sealed class FakeMailboxRights : IMailboxRightsLookup
    {
        public Dictionary<(string Account, string Mailbox), MailboxRights> Granted { get; } = [];

        public System.Collections.Concurrent.ConcurrentQueue<(Principal Principal, string Mailbox)> Asked { get; } = new();

        public Task<MailboxRights> GetRightsAsync(Principal principal, string mailbox, CancellationToken cancellationToken)
        {
            Asked.Enqueue((principal, mailbox));
            return Task.FromResult(Granted.GetValueOrDefault((principal.Account!.ToString(), mailbox)));
        }
    }
}
