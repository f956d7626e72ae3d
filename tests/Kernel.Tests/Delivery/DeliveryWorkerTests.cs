using Dapper;
using Kernel.Abstractions;
using Kernel.Queue;
using Kernel.Tests.Queue;
using Kernel.Tests.Queue.Fakes;
using Kernel.Tests.Storage;

namespace Kernel.Tests.Delivery;

public sealed class DeliveryWorkerTests
{
    [Fact]
    public async Task A_local_recipient_lands_in_INBOX_and_the_bus_says_so()
    {
        await using var h = new QueueHarness();
        await h.StartWorkerAsync();
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("x@remote.dom", "Alice@test.dom"), QueueHarness.Body("hello"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => h.Delivered.Count == 1, "MessageDelivered");
        var delivered = Assert.Single(h.Delivered);
        Assert.Equal((id, "Alice@test.dom", new AccountAddress("alice", "test.dom"), "INBOX"), (delivered.QueueId, delivered.Recipient, delivered.Account!, delivered.Mailbox!));
        Assert.NotNull(delivered.Uid);
        var appended = Assert.Single(h.Local.Appended);
        Assert.Equal(("INBOX", new AccountAddress("alice", "test.dom")), (appended.Mailbox, appended.Owner));
        Assert.Contains("Subject: hello", appended.Body);
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result is null, "message leaves the queue");
    }

    [Fact]
    public async Task Local_deliveries_of_many_messages_are_batched()
    {
        await using var h = new QueueHarness();
        h.Local.Gate = new TaskCompletionSource();
        await h.StartWorkerAsync();
        await h.Queue.SubmitAsync(QueueHarness.Envelope("x@remote.dom", "alice@test.dom"), QueueHarness.Body("first"));
        await QueueHarness.WaitUntilAsync(() => h.Local.Calls == 1, "first delivery call");
        for (var i = 0; i < 50; i++) await h.Queue.SubmitAsync(QueueHarness.Envelope("x@remote.dom", "alice@test.dom"), QueueHarness.Body($"m{i}"));
        h.Local.Gate.SetResult();
        await QueueHarness.WaitUntilAsync(() => h.Local.Appended.Count == 51, "all delivered");
        Assert.True(h.Local.Calls <= 3, $"{h.Local.Calls} calls for 51 messages");
    }

    [Fact]
    public async Task A_remote_temporary_failure_is_retried_at_the_scheduled_time()
    {
        await using var h = new QueueHarness();
        var transport = new FakeMailTransport();
        var calls = 0;
        transport.Decide = (_, _) => Interlocked.Increment(ref calls) == 1 ? DeliveryOutcome.TemporaryFailure : DeliveryOutcome.Delivered;
        h.Extensions.AddTransport(transport);
        await h.StartWorkerAsync();
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@remote.dom"), QueueHarness.Body("retry"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => transport.Calls.Count == 1, "first attempt");
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result!.Recipients[0].Attempts == 1, "attempt recorded");
        var entry = (await h.Queue.GetAsync(id))!;
        var r = Assert.Single(entry.Recipients);
        Assert.Equal((RecipientState.Waiting, "remote.dom", "451 try later"), (r.State, r.Queue, r.LastError));
        Assert.Equal(h.Time.GetUtcNow() + h.Options.FirstRetry, r.NextAttempt);

        h.Time.Advance(h.Options.FirstRetry - TimeSpan.FromMinutes(1));
        await Task.Delay(300); // several polls: nothing is due yet
        Assert.Single(transport.Calls);

        h.Time.Advance(TimeSpan.FromMinutes(2));
        await QueueHarness.WaitUntilAsync(() => transport.Calls.Count == 2, "second attempt");
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result is null, "delivered and removed");
        Assert.Equal(2, transport.Calls.Last().Attempt);
        await QueueHarness.WaitUntilAsync(() => h.Delivered.Any(d => d.QueueId == id && d.Recipient == "bob@remote.dom" && d.Mailbox is null), "MessageDelivered");
        Assert.Empty(h.Factory.Dsns);
    }

    [Fact]
    public async Task A_remote_permanent_failure_sends_a_DSN_to_the_sender_with_a_null_reverse_path()
    {
        await using var h = new QueueHarness();
        var transport = new FakeMailTransport { Decide = (_, _) => DeliveryOutcome.PermanentFailure };
        h.Extensions.AddTransport(transport);
        await h.StartWorkerAsync();
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("alice@test.dom", "bob@remote.dom"), QueueHarness.Body("doomed"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => h.Local.Appended.Count == 1, "DSN delivered to alice");
        var dsn = Assert.Single(h.Factory.Dsns);
        var status = Assert.Single(dsn.Recipients);
        Assert.Equal(("bob@remote.dom", DsnAction.Failed, "5.1.1", "mx.remote"), (status.Recipient, status.Action, status.Status, status.RemoteMta));
        Assert.Contains("550 no such user", status.DiagnosticCode);
        Assert.Equal("mx.test.dom", dsn.ReportingMta);
        Assert.Contains("bob@remote.dom Failed 5.1.1", h.Local.Appended.Single().Body);
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result is null, "failed message removed after its DSN");
    }

    [Fact]
    public async Task No_DSN_is_sent_for_a_null_sender_or_NOTIFY_NEVER()
    {
        await using var h = new QueueHarness();
        h.Extensions.AddTransport(new FakeMailTransport { Decide = (_, _) => DeliveryOutcome.PermanentFailure });
        await h.StartWorkerAsync();
        var bounce = (await h.Queue.SubmitAsync(QueueHarness.Envelope("", "bob@remote.dom"), QueueHarness.Body("bounce"))).QueueId!;
        var never = (await h.Queue.SubmitAsync(new Envelope
        {
            Sender = "alice@test.dom", Recipients = [new EnvelopeRecipient { Address = "bob@remote.dom", Notify = DsnNotify.Never }], Source = RequestSource.InternalSource("test"),
        }, QueueHarness.Body("never"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(bounce).Result is null && h.Queue.GetAsync(never).Result is null, "both finished");
        Assert.Empty(h.Factory.Dsns);
        Assert.Empty(h.Local.Appended);
    }

    [Fact]
    public async Task A_router_rejection_after_intake_bounces()
    {
        await using var h = new QueueHarness();
        await h.StartWorkerAsync();
        await h.Queue.SubmitAsync(QueueHarness.Envelope("alice@test.dom", "unknown@test.dom", "discard@test.dom"), QueueHarness.Body("who"));
        await QueueHarness.WaitUntilAsync(() => h.Local.Appended.Count == 1, "DSN to alice");
        var status = Assert.Single(Assert.Single(h.Factory.Dsns).Recipients);
        Assert.Equal(("unknown@test.dom", "5.1.1"), (status.Recipient, status.Status));
    }

    [Fact]
    public async Task A_held_queue_waits_for_a_release_which_ignores_back_off()
    {
        await using var h = new QueueHarness();
        var transport = new FakeMailTransport();
        h.Extensions.AddTransport(transport);
        await h.StartWorkerAsync();
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "x@held.dom"), QueueHarness.Body("held"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result!.Recipients[0].State == RecipientState.Held, "held");
        await Task.Delay(300);
        Assert.Empty(transport.Calls);
        Assert.Equal(["held.dom"], (await h.Queue.ListAsync("held.dom")).SelectMany(e => e.Recipients).Select(r => r.Queue));

        Assert.Equal(1, await h.Queue.ReleaseAsync("held.dom"));
        await QueueHarness.WaitUntilAsync(() => transport.Calls.Count == 1, "delivered after release");
        await QueueHarness.WaitUntilAsync(() => h.Released.Count == 1, "QueueReleased");
        Assert.Equal(new QueueReleased("held.dom", 1) { At = h.Released.Single().At }, h.Released.Single());
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result is null, "removed");
        Assert.Equal(0, await h.Queue.ReleaseAsync("held.dom"));
    }

    [Fact]
    public async Task An_ATRN_lease_drains_held_messages_and_a_temporary_failure_stays_held()
    {
        await using var h = new QueueHarness();
        await h.StartWorkerAsync();
        var ok = (await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "x@held.dom"), QueueHarness.Body("one"))).QueueId!;
        var later = (await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "y@held.dom"), QueueHarness.Body("two"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => h.Queue.ListAsync().Result.All(e => e.Recipients.All(r => r.State == RecipientState.Held)), "both held");
        await using (var lease = (await h.Queue.LeaseQueueAsync("held.dom", "atrn", TimeSpan.FromMinutes(5)))!)
        {
            var first = (await lease.NextAsync())!;
            Assert.Equal((ok, "held.dom", "x@held.dom"), (first.QueueId, first.Queue, first.Recipients.Single().Address));
            await lease.CompleteAsync(first, [new RecipientOutcome("x@held.dom", DeliveryOutcome.Delivered, "2.0.0", "250 ok")]);
            var second = (await lease.NextAsync())!;
            Assert.Equal(later, second.QueueId);
            await lease.CompleteAsync(second, [new RecipientOutcome("y@held.dom", DeliveryOutcome.TemporaryFailure, "4.2.0", "452 later")]);
            Assert.Null(await lease.NextAsync());
        }
        Assert.Null(await h.Queue.GetAsync(ok));
        var r = (await h.Queue.GetAsync(later))!.Recipients.Single();
        Assert.Equal((RecipientState.Held, 1, "452 later"), (r.State, r.Attempts, r.LastError));
    }

    [Fact]
    public async Task A_group_expands_to_its_members_once_even_when_it_contains_itself()
    {
        await using var h = new QueueHarness();
        var transport = new FakeMailTransport();
        h.Extensions.AddTransport(transport);
        h.Directory.Account("alice@test.dom").Group("group@test.dom", GroupKind.Group, "alice@test.dom", "carol@remote.dom", "group@test.dom", "alice@test.dom");
        await h.StartWorkerAsync();
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("x@remote.dom", "group@test.dom"), QueueHarness.Body("all"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result is null, "done");
        Assert.Equal(new AccountAddress("alice", "test.dom"), Assert.Single(h.Local.Appended).Owner);
        Assert.Equal("carol@remote.dom", Assert.Single(transport.Calls).Recipients.Single().Address);
    }

    [Fact]
    public async Task Delivery_rules_store_into_named_mailboxes_fall_back_to_INBOX_and_reject_with_a_DSN()
    {
        await using var h = new QueueHarness();
        h.Local.Mailboxes.Add("Archive");
        h.Extensions.RuleEngine = new FakeRuleEngine
        {
            Delivery = (_, account, _) => Task.FromResult(account.Name switch
            {
                "alice" => RuleOutcome.Continue with { DefaultDelivery = false, Stores = [new StoreRequest("Archive", MessageFlags.Flagged)], AddFlags = ["Seen"] },
                "bob" => RuleOutcome.Continue with { DefaultDelivery = false, Stores = [new StoreRequest("Missing")] },
                "carol" => RuleOutcome.Continue with { RejectText = "not wanted here" },
                "dave" => RuleOutcome.Continue with { DefaultDelivery = false },
                _ => RuleOutcome.Continue,
            }),
        };
        await h.StartWorkerAsync();
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("eve@test.dom", "alice@test.dom", "bob@test.dom", "carol@test.dom", "dave@test.dom"),
            QueueHarness.Body("rules"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result is null && h.Local.Appended.Count == 3, "done");
        var stored = h.Local.Appended.ToList();
        Assert.Contains(stored, a => a.Owner.Name == "alice" && a.Mailbox == "Archive" && a.Flags == (MessageFlags.Flagged | MessageFlags.Seen));
        Assert.Contains(stored, a => a.Owner.Name == "bob" && a.Mailbox == "INBOX");
        Assert.Contains(stored, a => a.Owner.Name == "eve" && a.Body.Contains("carol@test.dom Failed 5.7.1 smtp; not wanted here"));
        Assert.DoesNotContain(stored, a => a.Owner.Name is "carol" or "dave");
    }

    [Fact]
    public async Task A_delivery_rule_timeout_is_retried_not_lost()
    {
        await using var h = new QueueHarness(options: new QueueOptions { PollInterval = TimeSpan.FromMilliseconds(50), RuleTimeout = TimeSpan.FromMilliseconds(100) });
        var calls = 0;
        h.Extensions.RuleEngine = new FakeRuleEngine
        {
            Delivery = async (_, _, ct) => { if (Interlocked.Increment(ref calls) == 1) await Task.Delay(Timeout.Infinite, ct); return RuleOutcome.Continue; },
        };
        await h.StartWorkerAsync();
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("x@remote.dom", "alice@test.dom"), QueueHarness.Body("later"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => calls == 1 && h.Queue.GetAsync(id).Result!.Recipients[0].LastError is not null, "first try failed");
        Assert.Empty(h.Local.Appended);
        h.Time.Advance(h.Options.RoutingRetry);
        await QueueHarness.WaitUntilAsync(() => h.Local.Appended.Count == 1, "delivered on retry");
    }

    [Fact]
    public async Task An_expired_message_bounces_with_5_4_7()
    {
        await using var h = new QueueHarness();
        h.Extensions.AddTransport(new FakeMailTransport { Decide = (_, _) => DeliveryOutcome.TemporaryFailure });
        await h.StartWorkerAsync();
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("alice@test.dom", "bob@remote.dom"), QueueHarness.Body("old"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result!.Recipients[0].Attempts == 1, "first attempt");
        h.Time.Advance(h.Options.Expiry + TimeSpan.FromMinutes(1));
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result is null && h.Local.Appended.Count == 1, "bounced");
        Assert.Equal("5.4.7", Assert.Single(Assert.Single(h.Factory.Dsns).Recipients).Status);
    }

    [Fact]
    public async Task A_crashed_worker_loses_nothing_and_a_new_worker_on_the_same_folder_delivers_each_message_once()
    {
        using var folder = new TempDataFolder();
        var time = new ManualTimeProvider();
        var ids = new List<string>();
        var stuck = new TaskCompletionSource();
        await using (var crashed = new QueueHarness(folder, time: time))
        {
            crashed.Local.Gate = stuck; // the mailbox store never answers: the worker dies mid-batch
            var worker = await crashed.StartWorkerAsync();
            for (var i = 0; i < 20; i++)
                ids.Add((await crashed.Queue.SubmitAsync(QueueHarness.Envelope("x@remote.dom", $"user{i}@test.dom"), QueueHarness.Body($"m{i}"))).QueueId!);
            await QueueHarness.WaitUntilAsync(() => crashed.Local.Calls >= 1, "the doomed worker took the batch");
            crashed.Abandon(worker);

            time.Advance(crashed.Options.RoutingLease + TimeSpan.FromSeconds(1));
            await using var restarted = new QueueHarness(folder, time: time);
            await restarted.StartWorkerAsync();
            await QueueHarness.WaitUntilAsync(() => restarted.Local.Appended.Count == 20 && ids.All(id => restarted.Queue.GetAsync(id).Result is null), "all delivered after restart");

            // The dead worker wakes up late: its lease is gone, so it records nothing and delivers nothing more.
            stuck.SetCanceled();
            await Task.Delay(300);
            Assert.Empty(crashed.Local.Appended);
            Assert.Equal(20, restarted.Local.Appended.Select(a => a.Owner).Distinct().Count());
            await QueueHarness.WaitUntilAsync(() => restarted.Delivered.Count == 20, "20 MessageDelivered events");
            using var c = restarted.Database.Open();
            Assert.Equal(0, c.ExecuteScalar<long>("SELECT COUNT(*) FROM queue_messages"));
            await worker.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
        }
    }

    [Fact]
    public async Task Stop_waits_for_in_flight_work_until_its_deadline()
    {
        await using var h = new QueueHarness();
        h.Local.Gate = new TaskCompletionSource();
        var worker = await h.StartWorkerAsync();
        await h.Queue.SubmitAsync(QueueHarness.Envelope("x@remote.dom", "alice@test.dom"), QueueHarness.Body("inflight"));
        await QueueHarness.WaitUntilAsync(() => h.Local.Calls == 1, "in flight");
        var stop = worker.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        await Task.Delay(100);
        Assert.False(stop.IsCompleted);
        h.Local.Gate.SetResult();
        await stop;
        Assert.Single(h.Local.Appended);
    }

    [Fact]
    public async Task A_missing_body_file_fails_with_a_DSN_naming_the_file_instead_of_looping()
    {
        await using var h = new QueueHarness(inlineLimit: 0); // a file body (an inline one goes only with its row)
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("alice@test.dom", "bob@test.dom"), QueueHarness.Body("lost"))).QueueId!;
        var body = (Kernel.Storage.StoredBody)(await h.Queue.OpenBodyAsync(id))!;
        File.Delete(body.FilePath!);
        await h.StartWorkerAsync();
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result is null && !h.Local.Appended.IsEmpty, "failed, removed, DSN delivered");
        var status = Assert.Single(Assert.Single(h.Factory.Dsns).Recipients);
        Assert.Equal("5.3.0", status.Status);
        Assert.Contains(body.FilePath!, status.DiagnosticCode);
        Assert.Equal("alice", Assert.Single(h.Local.Appended).Owner.Name);
    }

    [Fact]
    public async Task A_released_held_message_that_fails_temporarily_is_held_again()
    {
        await using var h = new QueueHarness();
        var transport = new FakeMailTransport { Decide = (_, _) => DeliveryOutcome.TemporaryFailure };
        h.Extensions.AddTransport(transport);
        await h.StartWorkerAsync();
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "x@held.dom"), QueueHarness.Body("held"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result!.Recipients[0].State == RecipientState.Held, "held");
        await h.Queue.ReleaseAsync("held.dom");
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result!.Recipients[0].Attempts == 1, "attempted");
        var r = (await h.Queue.GetAsync(id))!.Recipients.Single();
        Assert.Equal(RecipientState.Held, r.State);
        h.Time.Advance(TimeSpan.FromHours(2));
        await Task.Delay(300);
        Assert.Single(transport.Calls);
    }

    [Fact]
    public async Task Without_a_transport_of_that_name_remote_mail_stays_queued()
    {
        await using var h = new QueueHarness();
        h.Extensions.AddTransport(new FakeMailTransport("SIP-ONLY"));
        await h.StartWorkerAsync();
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@remote.dom"), QueueHarness.Body("wait"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result!.Recipients[0].State == RecipientState.Waiting, "routed");
        await Task.Delay(200);
        var transport = new FakeMailTransport();
        h.Extensions.AddTransport(transport);
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result is null, "delivered once the transport appears");
        Assert.Single(transport.Calls);
    }

    [Fact]
    public async Task NOTIFY_DELAY_gets_one_delayed_report_after_four_hours_and_SUCCESS_a_relayed_one()
    {
        await using var h = new QueueHarness();
        var attempts = 0;
        var transport = new FakeMailTransport { Decide = (_, _) => Interlocked.Increment(ref attempts) <= 3 ? DeliveryOutcome.TemporaryFailure : DeliveryOutcome.Delivered };
        h.Extensions.AddTransport(transport);
        await h.StartWorkerAsync();
        var envelope = new Envelope
        {
            Sender = "alice@test.dom",
            Recipients = [new EnvelopeRecipient { Address = "bob@remote.dom", OriginalRecipient = "rfc822;bob@remote.dom", Notify = DsnNotify.Delay | DsnNotify.Success }],
            Source = RequestSource.InternalSource("test"),
        };
        var id = (await h.Queue.SubmitAsync(envelope, QueueHarness.Body("slow"))).QueueId!;
        for (var i = 1; i <= 4; i++)
        {
            // Wait until the worker has recorded the attempt too: advancing the clock before that would move the
            // next retry, which is scheduled from the time the failure is recorded.
            await QueueHarness.WaitUntilAsync(() => transport.Calls.Count == i
                && (h.Queue.GetAsync(id).Result is not { } entry || entry.Recipients.Single().Attempts >= i), $"attempt {i} recorded");
            h.Time.Advance(TimeSpan.FromHours(3)); // the 2nd attempt is 3 h late (no report), the 3rd 6 h (report), the 4th delivers
        }
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result is null && h.Local.Appended.Count == 2, "delayed + relayed reports delivered");
        var actions = h.Factory.Dsns.Select(d => d.Recipients.Single().Action).ToList();
        Assert.Equal([DsnAction.Delayed, DsnAction.Relayed], actions);
        Assert.Equal("rfc822;bob@remote.dom", h.Factory.Dsns.First().Recipients.Single().OriginalRecipient);
    }

    [Fact]
    public async Task A_message_that_cannot_be_routed_does_not_hold_up_the_others_in_its_batch()
    {
        await using var h = new QueueHarness();
        var bad = (await h.Queue.SubmitAsync(QueueHarness.Envelope("x@remote.dom", "alice@test.dom"), QueueHarness.Body("bad"))).QueueId!;
        var good = (await h.Queue.SubmitAsync(QueueHarness.Envelope("x@remote.dom", "bob@test.dom"), QueueHarness.Body("good"))).QueueId!;
        using (var c = h.Database.Open()) c.Execute("UPDATE queue_messages SET source = 'not json' WHERE id = @bad", new { bad });
        await h.StartWorkerAsync();
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(good).Result is null, "the good one delivered");
        Assert.Equal("bob", Assert.Single(h.Local.Appended).Owner.Name);
        using (var c = h.Database.Open())
            Assert.Equal(0L, c.ExecuteScalar<long>("SELECT routed FROM queue_messages WHERE id = @bad", new { bad })); // kept, to be retried
    }

    [Fact]
    public async Task Server_wide_rule_copies_are_stored_and_sent_after_the_commit()
    {
        await using var h = new QueueHarness();
        var rules = new FakeRuleEngine();
        rules.Server = (input, _) => Task.FromResult(input.Envelope.Sender == "x@remote.dom" && input.Headers.All(f => f.Key != "X-Kernel-Rule-Hops")
            ? RuleOutcome.Continue with { Stores = [new StoreRequest("~security/INBOX")], Sends = [new OutboundCopy("audit@test.dom", OutboundCopyMode.Mirror)] }
            : RuleOutcome.Continue);
        h.Extensions.RuleEngine = rules;
        await h.StartWorkerAsync();
        await h.Queue.SubmitAsync(QueueHarness.Envelope("x@remote.dom", "alice@test.dom"), QueueHarness.Body("watched"));
        await QueueHarness.WaitUntilAsync(() => h.Local.Appended.Count >= 3, "alice, the security copy and the audit copy");
        await Task.Delay(200);
        var byOwner = h.Local.Appended.ToDictionary(a => a.Owner.Name);
        Assert.Equal(["alice", "audit", "security"], byOwner.Keys.Order());
        Assert.Contains("X-Kernel-Rule-Hops: 1\r\n", byOwner["audit"].Body);
        Assert.DoesNotContain("X-Kernel-Rule-Hops", byOwner["alice"].Body);
        Assert.Equal(2, rules.ServerCalls); // the mirrored copy passed the server-wide rules again (rules.md §6.1)
    }

    [Fact]
    public async Task A_rule_that_mirrors_every_message_stops_at_the_hop_limit()
    {
        await using var h = new QueueHarness();
        h.Extensions.RuleEngine = new FakeRuleEngine
        {
            Server = (_, _) => Task.FromResult(RuleOutcome.Continue with { Sends = [new OutboundCopy("audit@test.dom", OutboundCopyMode.Mirror)] }),
        };
        await h.StartWorkerAsync();
        await h.Queue.SubmitAsync(QueueHarness.Envelope("x@remote.dom", "alice@test.dom"), QueueHarness.Body("echo"));
        await QueueHarness.WaitUntilAsync(() => h.Local.Appended.Count >= 6, "original and five copies");
        await Task.Delay(500);
        Assert.Equal(6, h.Local.Appended.Count);
        Assert.Equal(5, h.Local.Appended.Count(a => a.Owner.Name == "audit"));
        Assert.Empty(await h.Queue.ListAsync());
    }

    [Fact]
    public async Task An_ATRN_lease_hands_out_each_held_message_once_across_pages()
    {
        await using var h = new QueueHarness();
        await h.StartWorkerAsync();
        for (var i = 0; i < 75; i++) await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", $"u{i}@held.dom"), QueueHarness.Body($"{i}"));
        await QueueHarness.WaitUntilAsync(() => h.Queue.ListAsync().Result.Count(e => e.Recipients.All(r => r.State == RecipientState.Held)) == 75, "all held");
        var seen = new List<string>();
        await using (var lease = (await h.Queue.LeaseQueueAsync("held.dom", "atrn", TimeSpan.FromMinutes(5)))!)
        {
            while (await lease.NextAsync() is { } message)
            {
                seen.Add(message.QueueId);
                await lease.CompleteAsync(message, message.Recipients.Select(r => new RecipientOutcome(r.Address, DeliveryOutcome.Delivered, "2.0.0", "250 ok")).ToList());
            }
        }
        Assert.Equal(75, seen.Distinct().Count());
        Assert.Equal(75, seen.Count);
        Assert.Empty(await h.Queue.ListAsync());
    }

    [Fact]
    public async Task A_temporary_router_failure_is_retried_not_bounced()
    {
        await using var h = new QueueHarness();
        var failing = true;
        ((FakeRouter)h.Extensions.Router).Override = a => failing && a.StartsWith("alice", StringComparison.Ordinal)
            ? new RouteResult.Reject(RejectReason.TempFailure, "4.4.3", "directory unavailable") : null;
        await h.StartWorkerAsync();
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("x@remote.dom", "alice@test.dom"), QueueHarness.Body("later"))).QueueId!;
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result!.Recipients[0].LastError == "directory unavailable", "postponed");
        failing = false;
        h.Time.Advance(h.Options.RoutingRetry);
        await QueueHarness.WaitUntilAsync(() => h.Local.Appended.Count == 1, "delivered on retry");
        Assert.Empty(h.Factory.Dsns);
    }
}
