using System.Text;
using Kernel.Abstractions;
using Smtp.Delivery;

namespace Smtp.Tests.Delivery;

/// <summary>The client session against a scripted peer over an in-memory pipe (no sockets): transactions and their per-recipient outcomes.</summary>
public sealed class ClientSessionTests
{
    private static readonly DeliverySettings Settings = new() { HeloName = "us.test", CommandTimeout = TimeSpan.FromSeconds(5), DataInitiationTimeout = TimeSpan.FromSeconds(5), DataTerminationTimeout = TimeSpan.FromSeconds(5), GreetingTimeout = TimeSpan.FromSeconds(5) };

    private static async Task<(ClientSession Session, InMemoryChannel Channel, Task Peer)> ConnectAsync(FakeSmtpPeer peer, DeliverySettings? settings = null)
    {
        var channel = new InMemoryChannel();
        var served = channel.Serve(peer, CancellationToken.None);
        var session = new ClientSession(channel, settings ?? Settings, "peer.test");
        var greeting = await session.ReadGreetingAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal(220, greeting.Code);
        var hello = await session.HelloAsync(CancellationToken.None);
        Assert.True(hello.IsPositive, hello.Text);
        return (session, channel, served);
    }

    [Fact]
    public async Task PipelinedTransactionGivesEachRecipientItsOwnOutcome()
    {
        var peer = new FakeSmtpPeer();
        peer.RcptReplies["later@peer.test"] = "450 4.2.1 mailbox busy";
        peer.RcptReplies["nobody@peer.test"] = "550 5.1.1 <nobody@peer.test>: no such user";
        var (session, _, _) = await ConnectAsync(peer);

        var outcomes = await session.SendAsync(TestMessages.Create(["ok@peer.test", "later@peer.test", "nobody@peer.test"]), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Delivered, outcomes[0].Outcome);
        Assert.Equal("2.0.0", outcomes[0].Status);
        Assert.Equal(DeliveryOutcome.TemporaryFailure, outcomes[1].Outcome);
        Assert.Equal("4.2.1", outcomes[1].Status);
        Assert.Equal(DeliveryOutcome.PermanentFailure, outcomes[2].Outcome);
        Assert.Equal("5.1.1", outcomes[2].Status);
        Assert.Equal("550 5.1.1 <nobody@peer.test>: no such user", outcomes[2].Reply);
        Assert.Equal("peer.test", outcomes[2].RemoteHost);
        // PIPELINING (RFC 2920): MAIL, the RCPTs and DATA went out before any reply was read; one message arrived, dot-stuffed.
        Assert.Equal(["EHLO us.test", "MAIL FROM:<sender@here.test> SIZE=44", "RCPT TO:<ok@peer.test>", "RCPT TO:<later@peer.test>", "RCPT TO:<nobody@peer.test>", "DATA"], peer.Commands);
        var wire = Encoding.UTF8.GetString(Assert.Single(peer.Messages));
        Assert.Equal("Subject: test\r\n\r\nhello\r\n..starts with a dot\r\n.\r\n", wire);
        Assert.True(session.Usable);
    }

    [Fact]
    public async Task WithoutPipeliningEachCommandWaitsAndNoDataGoesWhenNoRecipientIsAccepted()
    {
        var peer = new FakeSmtpPeer { Ehlo = ["peer.test", "8BITMIME"] };
        peer.RcptReplies["a@peer.test"] = "550 5.7.1 relaying denied";
        var (session, _, _) = await ConnectAsync(peer);

        var outcomes = await session.SendAsync(TestMessages.Create(["a@peer.test"]), CancellationToken.None);

        var only = Assert.Single(outcomes);
        Assert.Equal(DeliveryOutcome.PermanentFailure, only.Outcome);
        Assert.Equal("5.7.1", only.Status);
        Assert.Equal(["EHLO us.test", "MAIL FROM:<sender@here.test>", "RCPT TO:<a@peer.test>"], peer.Commands);
        Assert.Empty(peer.Messages);
        // The connection stays good: the next transaction starts with RSET (RFC 5321 §4.1.1.5), each command waiting for its reply.
        var next = await session.SendAsync(TestMessages.Create(["b@peer.test"]), CancellationToken.None);
        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(next).Outcome);
        Assert.Equal(["RSET", "MAIL FROM:<sender@here.test>", "RCPT TO:<b@peer.test>", "DATA"], peer.Commands.Skip(3));
    }

    [Theory]
    [InlineData("451 4.3.0 try later", DeliveryOutcome.TemporaryFailure, "4.3.0")]
    [InlineData("554 5.6.0 content rejected", DeliveryOutcome.PermanentFailure, "5.6.0")]
    [InlineData("250 ok", DeliveryOutcome.Delivered, "2.0.0")]
    public async Task TheReplyToTheFinalDotDecidesForEveryAcceptedRecipient(string final, DeliveryOutcome expected, string status)
    {
        var peer = new FakeSmtpPeer { FinalReply = final };
        peer.RcptReplies["no@peer.test"] = "550 5.1.1 unknown";
        var (session, _, _) = await ConnectAsync(peer);

        var outcomes = await session.SendAsync(TestMessages.Create(["a@peer.test", "b@peer.test", "no@peer.test"]), CancellationToken.None);

        Assert.All(outcomes.Take(2), o => { Assert.Equal(expected, o.Outcome); Assert.Equal(status, o.Status); Assert.Equal(final, o.Reply); });
        Assert.Equal(DeliveryOutcome.PermanentFailure, outcomes[2].Outcome);
    }

    [Fact]
    public async Task ARefusedDataAppliesToTheAcceptedRecipients()
    {
        var peer = new FakeSmtpPeer { DataReply = "452 4.3.1 insufficient storage" };
        var (session, _, _) = await ConnectAsync(peer);

        var outcomes = await session.SendAsync(TestMessages.Create(["a@peer.test"]), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.TemporaryFailure, Assert.Single(outcomes).Outcome);
        Assert.Equal("4.3.1", outcomes[0].Status);
        Assert.Empty(peer.Messages);
    }

    [Fact]
    public async Task ARefusedMailFromFailsEveryRecipientEvenWhenPipelined()
    {
        var peer = new FakeSmtpPeer { MailReply = "553 5.1.8 bad sender domain" };
        var (session, _, _) = await ConnectAsync(peer);

        var outcomes = await session.SendAsync(TestMessages.Create(["a@peer.test", "b@peer.test"]), CancellationToken.None);

        Assert.All(outcomes, o => { Assert.Equal(DeliveryOutcome.PermanentFailure, o.Outcome); Assert.Equal("5.1.8", o.Status); });
    }

    [Fact]
    public async Task SmtpUtf8EightBitAndSizeNeedsAreCheckedBeforeAnythingIsSent()
    {
        var peer = new FakeSmtpPeer { Ehlo = ["peer.test", "PIPELINING", "SIZE 20"] };
        var (session, _, _) = await ConnectAsync(peer);

        var utf8 = await session.SendAsync(TestMessages.Create(["jörg@peer.test"]), CancellationToken.None);
        Assert.Equal(("5.6.7", DeliveryOutcome.PermanentFailure), (utf8[0].Status, utf8[0].Outcome));

        var eightBit = TestMessages.Create(["a@peer.test"], envelope: new Envelope
        {
            Sender = "s@here.test", Recipients = [], Source = RequestSource.InternalSource("test"), BodyType = MessageBodyType.EightBitMime,
        });
        Assert.Equal("5.6.3", (await session.SendAsync(eightBit, CancellationToken.None))[0].Status);

        var big = await session.SendAsync(TestMessages.Create(["a@peer.test"], body: new string('x', 40) + "\r\n"), CancellationToken.None);
        Assert.Equal(("5.3.4", DeliveryOutcome.PermanentFailure), (big[0].Status, big[0].Outcome));

        Assert.Equal(["EHLO us.test"], peer.Commands);
    }

    [Fact]
    public async Task EsmtpParametersGoOnlyToAPeerThatOffersThem()
    {
        var peer = new FakeSmtpPeer();
        var (session, _, _) = await ConnectAsync(peer);
        var envelope = new Envelope
        {
            Sender = "jörg@here.test", Recipients = [], Source = RequestSource.InternalSource("test"), BodyType = MessageBodyType.EightBitMime,
            SmtpUtf8 = true, EnvelopeId = "id+1=x", Return = DsnReturn.Headers,
        };
        var message = TestMessages.Create(["a@peer.test"], envelope: envelope);
        message = message with { Recipients = [new EnvelopeRecipient { Address = "a@peer.test", Notify = DsnNotify.Failure | DsnNotify.Delay, OriginalRecipient = "rfc822;A@Old.test" }] };

        var outcomes = await session.SendAsync(message, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Delivered, outcomes[0].Outcome);
        Assert.Equal("MAIL FROM:<jörg@here.test> SIZE=44 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=id+2B1+3Dx", peer.Commands[1]);
        Assert.Equal("RCPT TO:<a@peer.test> NOTIFY=FAILURE,DELAY ORCPT=rfc822;A@Old.test", peer.Commands[2]);
    }

    [Fact]
    public async Task HeloIsTheFallbackWhenEhloIsRefused()
    {
        var peer = new FakeSmtpPeer { Ehlo = [] };
        var (session, _, _) = await ConnectAsync(peer);

        Assert.False(session.Capabilities.Esmtp);
        var outcomes = await session.SendAsync(TestMessages.Create(["a@peer.test"]), CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Delivered, outcomes[0].Outcome);
        Assert.Equal(["EHLO us.test", "HELO us.test", "MAIL FROM:<sender@here.test>", "RCPT TO:<a@peer.test>", "DATA"], peer.Commands);
    }

    [Fact]
    public async Task AConnectionLostMidTransactionLeavesTheRecipientsQueued()
    {
        var peer = new FakeSmtpPeer { Ehlo = ["peer.test"], CloseOn = "RCPT TO:<b@" };
        var (session, _, _) = await ConnectAsync(peer);

        var outcomes = await session.SendAsync(TestMessages.Create(["a@peer.test", "b@peer.test"]), CancellationToken.None);

        Assert.All(outcomes, o => { Assert.Equal(DeliveryOutcome.TemporaryFailure, o.Outcome); Assert.Equal("4.4.2", o.Status); });
        Assert.False(session.Usable);
    }

    [Fact]
    public async Task ASilentPeerTimesOutAsATemporaryFailure()
    {
        var peer = new FakeSmtpPeer { Ehlo = ["peer.test"], SilentAfter = 2 };
        var settings = Settings with { CommandTimeout = TimeSpan.FromMilliseconds(300) };
        var (session, _, _) = await ConnectAsync(peer, settings);

        var outcomes = await session.SendAsync(TestMessages.Create(["a@peer.test"]), CancellationToken.None);

        Assert.Equal("4.4.2", outcomes[0].Status);
        Assert.Contains("no reply from peer.test within", outcomes[0].Reply);
        Assert.False(session.Usable);
    }

    [Fact]
    public async Task ALongRecipientListIsPipelinedInGroupsAndEveryReplyIsMatched()
    {
        var peer = new FakeSmtpPeer();
        var recipients = Enumerable.Range(0, 250).Select(i => $"r{i}@peer.test").ToArray();
        peer.RcptReplies["r150@peer.test"] = "550 5.1.1 unknown";
        var (session, _, _) = await ConnectAsync(peer);

        var outcomes = await session.SendAsync(TestMessages.Create(recipients), CancellationToken.None);

        Assert.Equal(250, outcomes.Count);
        Assert.Equal(249, outcomes.Count(o => o.Outcome == DeliveryOutcome.Delivered));
        Assert.Equal(("r150@peer.test", DeliveryOutcome.PermanentFailure), (outcomes[150].Recipient, outcomes[150].Outcome));
        Assert.Equal(250, peer.Commands.Count(c => c.StartsWith("RCPT TO:", StringComparison.Ordinal)));
        Assert.Single(peer.Messages);
    }

    [Fact]
    public async Task ACancelledTransactionLeavesTheSessionUnusable()
    {
        var peer = new FakeSmtpPeer { Ehlo = ["peer.test"], SilentAfter = 1 };
        var (session, _, _) = await ConnectAsync(peer);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.SendAsync(TestMessages.Create(["a@peer.test"]), cancel.Token));

        Assert.False(session.Usable);
    }

    [Fact]
    public async Task A421AnswerIsTemporaryAndEndsTheConnectionsUse()
    {
        var peer = new FakeSmtpPeer { Ehlo = ["peer.test"] };
        peer.RcptReplies["a@peer.test"] = "421 4.3.2 shutting down";
        var (session, _, _) = await ConnectAsync(peer);

        var outcomes = await session.SendAsync(TestMessages.Create(["a@peer.test"]), CancellationToken.None);

        Assert.Equal(("4.3.2", DeliveryOutcome.TemporaryFailure), (outcomes[0].Status, outcomes[0].Outcome));
        Assert.False(session.Usable);
    }
}
