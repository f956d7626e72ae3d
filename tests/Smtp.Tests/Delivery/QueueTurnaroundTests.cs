using Kernel.Abstractions;
using Microsoft.Extensions.Logging.Abstractions;
using Smtp.Delivery;

namespace Smtp.Tests.Delivery;

/// <summary>ATRN/TURN's client side (RFC 2645 §5.3) over an in-memory duplex pipe against a scripted customer MTA.</summary>
public sealed class QueueTurnaroundTests
{
    private static readonly DeliverySettings Settings = new()
    {
        HeloName = "provider.test", CommandTimeout = TimeSpan.FromSeconds(5), DataInitiationTimeout = TimeSpan.FromSeconds(5),
        DataTerminationTimeout = TimeSpan.FromSeconds(5), TurnaroundGreetingTimeout = TimeSpan.FromSeconds(5), TurnaroundLease = TimeSpan.FromSeconds(30),
    };

    private static OutboundMessage Held(string queue, string id, params string[] recipients) =>
        TestMessages.Create(recipients, target: TestMessages.Remote(queue, held: true), id: id);

    [Fact]
    public async Task HeldMailOfEveryQueueGoesDownTheTurnedConnectionThenQuit()
    {
        var queue = new FakeQueue();
        queue.Held["domain1.dom"] = [Held("domain1.dom", "M1", "a@domain2.dom", "c@domain1.dom"), Held("domain1.dom", "M2", "later@domain1.dom")];
        queue.Held["other.dom"] = [Held("other.dom", "M3", "x@other.dom")];
        var peer = new FakeSmtpPeer();
        peer.RcptReplies["later@domain1.dom"] = "450 4.2.1 try again";
        await using var channel = new InMemoryChannel();
        var served = channel.Serve(peer, CancellationToken.None);

        await new QueueTurnaround(queue, Settings, NullLogger.Instance).RunAsync(channel, "test", ["domain1.dom", "other.dom"], CancellationToken.None);
        await served.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(["domain1.dom", "other.dom"], queue.LeasesTaken);
        Assert.Equal(["M1", "M2", "M3"], queue.Completed.Select(c => c.QueueId));
        Assert.All(queue.Completed[0].Outcomes, o => Assert.Equal(DeliveryOutcome.Delivered, o.Outcome));
        Assert.Equal(DeliveryOutcome.TemporaryFailure, Assert.Single(queue.Completed[1].Outcomes).Outcome);
        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(queue.Completed[2].Outcomes).Outcome);
        // EHLO once, the routed recipients (a@domain2.dom) as stored, RSET between messages, QUIT at the end.
        Assert.Equal("EHLO provider.test", peer.Commands[0]);
        Assert.Contains("RCPT TO:<a@domain2.dom>", peer.Commands);
        Assert.Equal(2, peer.Commands.Count(c => c == "RSET"));
        Assert.Equal("QUIT", peer.Commands[^1]);
        Assert.Equal(2, peer.Messages.Count);
    }

    [Fact]
    public async Task AGreetingOtherThan220EndsWithQuitAndNothingIsTouched()
    {
        var queue = new FakeQueue();
        queue.Held["q.dom"] = [Held("q.dom", "M1", "a@q.dom")];
        var peer = new FakeSmtpPeer { Greeting = "554 5.3.2 not now" };
        await using var channel = new InMemoryChannel();
        var served = channel.Serve(peer, CancellationToken.None);

        await new QueueTurnaround(queue, Settings, NullLogger.Instance).RunAsync(channel, "test", ["q.dom"], CancellationToken.None);
        await served.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(["QUIT"], peer.Commands);
        Assert.Empty(queue.LeasesTaken);
        Assert.Empty(queue.Completed);
    }

    [Fact]
    public async Task AQueueLeasedByAnotherSessionIsSkipped()
    {
        var queue = new FakeQueue();
        queue.Held["busy.dom"] = [Held("busy.dom", "M1", "a@busy.dom")];
        queue.Held["free.dom"] = [Held("free.dom", "M2", "b@free.dom")];
        queue.LeasedElsewhere.Add("busy.dom");
        var peer = new FakeSmtpPeer();
        await using var channel = new InMemoryChannel();
        var served = channel.Serve(peer, CancellationToken.None);

        await new QueueTurnaround(queue, Settings, NullLogger.Instance).RunAsync(channel, "test", ["busy.dom", "free.dom"], CancellationToken.None);
        await served.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal("M2", Assert.Single(queue.Completed).QueueId);
        Assert.DoesNotContain("RCPT TO:<a@busy.dom>", peer.Commands);
    }

    [Fact]
    public async Task ACustomerThatHangsUpMidDrainLeavesTheRestHeld()
    {
        var queue = new FakeQueue();
        queue.Held["q.dom"] = [Held("q.dom", "M1", "a@q.dom"), Held("q.dom", "M2", "b@q.dom"), Held("q.dom", "M3", "c@q.dom")];
        var peer = new FakeSmtpPeer { CloseOn = "RCPT TO:<b@" };
        await using var channel = new InMemoryChannel();
        var served = channel.Serve(peer, CancellationToken.None);

        await new QueueTurnaround(queue, Settings, NullLogger.Instance).RunAsync(channel, "test", ["q.dom"], CancellationToken.None);
        await served.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(["M1", "M2"], queue.Completed.Select(c => c.QueueId));
        Assert.Equal(DeliveryOutcome.Delivered, queue.Completed[0].Outcomes[0].Outcome);
        Assert.Equal(DeliveryOutcome.TemporaryFailure, queue.Completed[1].Outcomes[0].Outcome);
    }

    [Fact]
    public async Task TheExportedTurnaroundDrivesAKernelConnection()
    {
        var queue = new FakeQueue();
        queue.Held["domain.dom"] = [Held("domain.dom", "M1", "x@domain.dom")];
        var peer = new FakeSmtpPeer();
        var connection = new FakeConnection();
        var served = Task.Run(() => peer.ServeAsync(connection.PeerInput, connection.PeerOutput, CancellationToken.None));
        IQueueTurnaround turnaround = new QueueTurnaround(queue, Settings, NullLogger.Instance);

        await turnaround.RunAsync(connection, ["domain.dom"], CancellationToken.None);
        await served.WaitAsync(TimeSpan.FromSeconds(5));

        var done = Assert.Single(queue.Completed);
        Assert.Equal(DeliveryOutcome.Delivered, done.Outcomes[0].Outcome);
        // The Remote-MTA of a turnaround is the customer's address.
        Assert.Equal("127.0.0.33", done.Outcomes[0].RemoteHost);
        Assert.Equal(["EHLO provider.test", "MAIL FROM:<sender@here.test> SIZE=44", "RCPT TO:<x@domain.dom>", "DATA", "QUIT"], peer.Commands);
    }
}
