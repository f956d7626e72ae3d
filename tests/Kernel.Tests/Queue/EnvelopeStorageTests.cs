using System.Net;
using Dapper;
using Kernel.Abstractions;
using Kernel.Tests.Storage;

namespace Kernel.Tests.Queue;

/// <summary>Issue 7 §2: the envelope's SMTP parameters and the full source are stored with the message and read back.</summary>
public sealed class EnvelopeStorageTests
{
    private static Envelope FullEnvelope() => new()
    {
        Sender = "alice@test.dom",
        Recipients =
        [
            new EnvelopeRecipient { Address = "x@held.dom", OriginalRecipient = "rfc822;X@held.dom", Notify = DsnNotify.Failure | DsnNotify.Delay },
            new EnvelopeRecipient { Address = "y@held.dom" },
        ],
        Source = new RequestSource
        {
            ClientIp = IPAddress.Parse("2001:db8::25"),
            Class = SourceClass.Trusted,
            AuthenticatedAccount = new AccountAddress("alice", "test.dom"),
            Tls = true,
            TlsProtocol = "TLSv1.3",
            TlsCipher = "TLS_AES_256_GCM_SHA384",
            Protocol = "esmtpsa",
            ListenerRole = "Submission",
            Helo = "laptop.example",
            ReverseDns = "host.example.net",
        },
        EnvelopeId = "env-7",
        Return = DsnReturn.Headers,
        BodyType = MessageBodyType.EightBitMime,
        SmtpUtf8 = true,
        RequireTls = true,
        DeclaredSize = 123_456,
        AuthSender = "alice@test.dom",
    };

    private static void AssertSameEnvelope(Envelope expected, Envelope actual, bool routedRecipients = false)
    {
        Assert.Equal(expected.Source, actual.Source); // value equality: every source field
        Assert.Equal(expected with { Recipients = actual.Recipients, Source = actual.Source }, actual);
        if (!routedRecipients) Assert.Equal(expected.Recipients, actual.Recipients);
    }

    [Fact]
    public async Task Every_envelope_field_round_trips_through_the_queue_entry_and_the_outbound_message()
    {
        using var folder = new TempDataFolder();
        var envelope = FullEnvelope();
        string id;
        await using (var h = new QueueHarness(folder))
        {
            await using var submission = await h.Queue.BeginSubmitAsync(envelope);
            await submission.WriteAsync("From: alice@test.dom\r\nSubject: caf\u00e9\r\n\r\n8-bit \u00e9\r\n"u8.ToArray());
            id = (await submission.CommitAsync()).QueueId!;
            var entry = (await h.Queue.GetAsync(id))!;
            Assert.Equal(envelope.Source, entry.Source);
            AssertSameEnvelope(envelope, entry.Envelope!);

            await h.StartWorkerAsync(); // routes both recipients into the held queue
            await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result!.Recipients.All(r => r.State == RecipientState.Held), "held");
        }
        await using var again = new QueueHarness(folder); // and after a restart
        AssertSameEnvelope(envelope, (await again.Queue.GetAsync(id))!.Envelope!);
        await using var lease = await again.Queue.LeaseQueueAsync("held.dom", "atrn", TimeSpan.FromMinutes(1));
        var outbound = await lease!.NextAsync();
        Assert.NotNull(outbound);
        AssertSameEnvelope(envelope, outbound.Envelope, routedRecipients: true);
        Assert.Equal(envelope.Recipients.Select(r => (r.Address, r.OriginalRecipient, r.Notify)), outbound.Recipients.Select(r => (r.Address, r.OriginalRecipient, r.Notify)));
    }

    [Fact]
    public async Task A_row_queued_before_the_new_fields_existed_still_reads()
    {
        await using var h = new QueueHarness();
        var id = (await h.Queue.SubmitAsync(QueueHarness.Envelope("a@test.dom", "x@held.dom"), QueueHarness.Body("old"))).QueueId!;
        // The source column exactly as the queue wrote it before issue 7 (every field present, no SMTP parameters).
        using (var c = h.Database.Open())
        {
            c.Execute("UPDATE queue_messages SET source = @old WHERE id = @id", new
            {
                id,
                old = """{"ip":"192.0.2.7","class":1,"account":"bob@test.dom","tls":true,"internal":false,"protocol":"esmtps","helo":"mx.example"}""",
            });
        }
        var entry = (await h.Queue.GetAsync(id))!;
        var expected = new RequestSource
        {
            ClientIp = IPAddress.Parse("192.0.2.7"), Class = (SourceClass)1, AuthenticatedAccount = new AccountAddress("bob", "test.dom"), Tls = true,
            Protocol = "esmtps", Helo = "mx.example",
        };
        Assert.Equal(expected, entry.Source);
        var envelope = entry.Envelope!;
        Assert.Equal((MessageBodyType.SevenBit, false, false, (long?)null, (string?)null),
            (envelope.BodyType, envelope.SmtpUtf8, envelope.RequireTls, envelope.DeclaredSize, envelope.AuthSender));
        Assert.Equal(expected, envelope.Source);

        await h.StartWorkerAsync();
        await QueueHarness.WaitUntilAsync(() => h.Queue.GetAsync(id).Result!.Recipients.All(r => r.State == RecipientState.Held), "held");
        await using var lease = await h.Queue.LeaseQueueAsync("held.dom", "atrn", TimeSpan.FromMinutes(1));
        var outbound = await lease!.NextAsync();
        Assert.Equal(expected, outbound!.Envelope.Source);
    }
}
