using Kernel.Abstractions;
using Kernel.Tests.Queue;
using Kernel.Tests.Queue.Fakes;

namespace Kernel.Tests.Delivery;

/// <summary>
/// RFC 5321 §4.4: the final delivery puts <c>Return-Path: &lt;reverse-path&gt;</c> first in the stored message — as a
/// prefix handed to the mailbox store with the queue's own body file, never a copy of it.
/// </summary>
public sealed class ReturnPathTests
{
    [Fact]
    public async Task Local_delivery_stores_the_reverse_path_first_for_every_local_recipient()
    {
        await using var h = new QueueHarness();
        await h.StartWorkerAsync();
        await h.Queue.SubmitAsync(QueueHarness.Envelope("x@remote.dom", "alice@test.dom", "bob@test.dom"), QueueHarness.Body("hello", size: 200_000));
        await QueueHarness.WaitUntilAsync(() => h.Local.Appended.Count == 2, "both delivered");
        foreach (var stored in h.Local.Appended)
        {
            Assert.StartsWith("Return-Path: <x@remote.dom>\r\nFrom: a@test.dom\r\nSubject: hello\r\n\r\n", stored.Body);
            Assert.EndsWith("end\r\n", stored.Body);   // the whole body follows, the queue's file
        }
        Assert.Single(h.Local.BodyIds.Distinct());   // both share the queue's file: none was written for the field
    }

    [Fact]
    public async Task The_null_sender_is_stored_as_an_empty_path()
    {
        await using var h = new QueueHarness();
        await h.StartWorkerAsync();
        await h.Queue.SubmitAsync(QueueHarness.Envelope("", "alice@test.dom"), QueueHarness.Body("a notice"));
        await QueueHarness.WaitUntilAsync(() => h.Local.Appended.Count == 1, "delivered");
        Assert.StartsWith("Return-Path: <>\r\nFrom: a@test.dom\r\n", Assert.Single(h.Local.Appended).Body);
    }

    [Fact]
    public async Task With_rule_header_edits_the_reverse_path_is_still_first()
    {
        await using var h = new QueueHarness();
        h.Extensions.RuleEngine = new FakeRuleEngine
        {
            Delivery = (_, _, _) => Task.FromResult(RuleOutcome.Continue with { HeaderEdits = [new HeaderEdit("X-Filed", "yes")] }),
        };
        await h.StartWorkerAsync();
        await h.Queue.SubmitAsync(QueueHarness.Envelope("x@remote.dom", "alice@test.dom"), QueueHarness.Body("ruled"));
        await QueueHarness.WaitUntilAsync(() => h.Local.Appended.Count == 1, "delivered");
        Assert.StartsWith("Return-Path: <x@remote.dom>\r\nX-Filed: yes\r\nFrom: a@test.dom\r\n", Assert.Single(h.Local.Appended).Body);
    }
}
