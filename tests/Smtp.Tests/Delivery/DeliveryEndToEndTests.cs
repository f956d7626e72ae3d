using System.Text.Json;

namespace Smtp.Tests.Delivery;

/// <summary>
/// The seed recipes of smtp.md/router.md for the delivering side through a running <c>kernel serve</c>: messages enter
/// with <c>kernel submit</c>, the kernel routes them, the Smtp transport delivers them to smtp-sink (or a scripted peer),
/// and the sink's dump shows the envelope that arrived.
/// </summary>
public sealed class DeliveryEndToEndTests(DeliveryServerFixture server) : IClassFixture<DeliveryServerFixture>
{
    private static string Marker() => "m" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task MailForARemoteDomainGoesToItsMxHost()
    {
        var marker = Marker();
        await server.SubmitAsync("alice@main.dom", marker, "bob@friend.test");
        var dump = await server.WaitForSinkAsync("friend", marker);
        Assert.Contains("X-Mail-Args: <alice@main.dom>", dump);
        Assert.Contains("X-Rcpt-Args: <bob@friend.test>", dump);
        Assert.Contains("X-Helo-Args: kernel.test", dump);
        // RFC 5321 §4.5.2: the sink removes a leading dot, so the line arrives intact only because we doubled it on the wire.
        Assert.True(dump.Contains("\n.a line starting with a dot\n", StringComparison.Ordinal), dump);
    }

    [Fact]
    public async Task RelayForADomainViaAFirewallHostUsesTheFirewallsMx()
    {
        var marker = Marker();
        await server.SubmitAsync("alice@main.dom", marker, "carol@friend2.test");
        var dump = await server.WaitForSinkAsync("firewall", marker);
        Assert.Contains("X-Rcpt-Args: <carol@friend2.test>", dump);
    }

    [Fact]
    public async Task AnExplicitPortBypassesTheMxRecords()
    {
        var marker = Marker();
        await server.SubmitAsync("alice@main.dom", marker, "x@target.test");
        var dump = await server.WaitForSinkAsync("relay", marker);
        Assert.Contains("X-Rcpt-Args: <x@target.test>", dump);
        Assert.Contains("X-Client-Addr: 127.0.0.1", dump);
    }

    [Fact]
    public async Task AnIpLiteralBypassesDns()
    {
        var marker = Marker();
        await server.SubmitAsync("alice@main.dom", marker, "bob@[127.0.0.8]");
        var dump = await server.WaitForSinkAsync("literal", marker);
        Assert.Contains("X-Rcpt-Args: <bob@[127.0.0.8]>", dump);
    }

    [Fact]
    public async Task TheSiblingMtaOnAnotherPortAndOnAnotherLoopbackAddressGetsItsMail()
    {
        var onPort = Marker();
        var onIp = Marker();
        await server.SubmitAsync("alice@main.dom", onPort, "u@sib.test");
        await server.SubmitAsync("alice@main.dom", onIp, "v@sib2.test");
        Assert.Contains("X-Rcpt-Args: <u@sib.test>", await server.WaitForSinkAsync("sibling-port", onPort));
        Assert.Contains("X-Rcpt-Args: <v@sib2.test>", await server.WaitForSinkAsync("sibling-ip", onIp));
    }

    [Fact]
    public async Task GradualMigrationSendsUnknownNamesToTheOldServerWithTheEnvelopeUnchanged()
    {
        var marker = Marker();
        await server.SubmitAsync("someone@friend.test", marker, "ghost@main.dom");
        var dump = await server.WaitForSinkAsync("old", marker);
        Assert.Contains("X-Mail-Args: <someone@friend.test>", dump);
        Assert.Contains("X-Rcpt-Args: <ghost@main.dom>", dump);
        Assert.DoesNotContain("%", dump.Split("\nReceived:")[0]);
    }

    [Fact]
    public async Task A450RecipientStaysQueuedWhileThe250OneIsDone()
    {
        var marker = Marker();
        var id = await server.SubmitAsync("alice@main.dom", marker, "ok@mixed.test", "busy@mixed.test");
        await server.WaitForPeerAsync(server.Mixed, marker);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        JsonElement recipients = default;
        while (DateTime.UtcNow < deadline)
        {
            var show = await server.Cli(null, "queue", "show", id, "--json");
            recipients = JsonDocument.Parse(show.Output).RootElement.GetProperty("recipients");
            if (recipients.EnumerateArray().All(r => r.GetProperty("attempts").GetInt32() > 0)) break;
            await Task.Delay(200);
        }
        var byAddress = recipients.EnumerateArray().ToDictionary(r => r.GetProperty("address").GetString()!);
        Assert.Equal("Delivered", byAddress["ok@mixed.test"].GetProperty("state").GetString());
        Assert.Equal("Waiting", byAddress["busy@mixed.test"].GetProperty("state").GetString());
        Assert.Contains("450 4.2.1", byAddress["busy@mixed.test"].GetProperty("lastError").GetString());
    }

    [Fact]
    public async Task ARemote550BouncesWithTheRemoteReplyInTheDsn()
    {
        var marker = Marker();
        await server.SubmitAsync("sender@collector.test", marker, "gone@mixed.test");
        var dsn = await server.WaitForPeerAsync(server.Collector, marker);
        Assert.Contains("Status: 5.1.1", dsn);
        Assert.Contains("550 5.1.1 <gone@mixed.test>: no such user here", dsn);
        Assert.Contains("Remote-MTA: dns; mx.mixed.test", dsn);
        lock (server.Collector.Peer.Commands) Assert.Contains(server.Collector.Peer.Commands, c => c.StartsWith("MAIL FROM:<>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NullMxBouncesPermanentlyWith5110()
    {
        var marker = Marker();
        await server.SubmitAsync("sender@collector.test", marker, "a@nullmx.test");
        var dsn = await server.WaitForPeerAsync(server.Collector, marker);
        Assert.Contains("Status: 5.1.10", dsn);
        Assert.Contains("Final-Recipient: rfc822; a@nullmx.test", dsn);
    }

    [Fact]
    public async Task HeldMailWaitsUntilTheQueueIsReleasedThenGoesToTheMx()
    {
        var marker = Marker();
        var id = await server.SubmitAsync("alice@main.dom", marker, "x@held.test");
        await WaitForStateAsync(id, "x@held.test", "Held");
        Assert.DoesNotContain(Directory.EnumerateFiles(server.Sinks["friend"]), f => File.ReadAllText(f).Contains(marker, StringComparison.Ordinal));

        await server.Cli(null, "queue", "release", "held.test");

        var dump = await server.WaitForSinkAsync("friend", marker);
        Assert.Contains("X-Rcpt-Args: <x@held.test>", dump);
    }

    private async Task WaitForStateAsync(string id, string address, string state)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            last = (await server.Cli(null, "queue", "show", id, "--json")).Output;
            var recipients = JsonDocument.Parse(last).RootElement.GetProperty("recipients").EnumerateArray();
            if (recipients.Any(r => r.GetProperty("address").GetString() == address && r.GetProperty("state").GetString() == state)) return;
            await Task.Delay(200);
        }
        throw new TimeoutException($"{address} of {id} never became {state}: {last}");
    }

    /// <summary>
    /// SMTP in → relay out (smtp.md §5, §11): swaks from a trusted client (127.0.0.1) hands a message for a remote domain
    /// to our SMTP listener; it goes to the domain's MX (smtp-sink) with the envelope unchanged and our Received: on
    /// top, and without a Return-Path (that is only for the final delivery, RFC 5321 §4.4).
    /// </summary>
    [Fact]
    public async Task MailReceivedFromATrustedClientIsRelayedToTheMxUnchanged()
    {
        var marker = Marker();
        var (exit, output) = await Server.ClientInteropTests.RunAsync("swaks", "--server", $"127.0.0.1:{server.Smtp.Port}",
            "--helo", "client.test", "--from", "alice@main.dom", "--to", "bob@friend.test,carol@friend.test",
            "--header", $"Subject: {marker}", "--body", marker, "--timeout", "30");
        Assert.True(exit == 0, output);
        Assert.Contains("250 2.0.0 OK queued as ", output);
        var dump = await server.WaitForSinkAsync("friend", marker);
        Assert.Contains("X-Mail-Args: <alice@main.dom>", dump);
        Assert.Contains("X-Rcpt-Args: <bob@friend.test>", dump);
        Assert.Contains("X-Rcpt-Args: <carol@friend.test>", dump);
        Assert.Matches(@"\nReceived: from client\.test \(\[127\.0\.0\.1\]\)\r?\n\tby \S+ with ESMTP id ", dump);
        Assert.DoesNotContain("Return-Path:", dump);
    }

    /// <summary>
    /// A loop (smtp.md §11.3): a route that sends mail to our own address and SMTP port fails permanently with 5.4.6 and
    /// bounces to the sender, instead of going round; the message leaves the queue.
    /// </summary>
    [Fact]
    public async Task MailRoutedToOurOwnSmtpListenerFailsWith546AndBounces()
    {
        var marker = Marker();
        var (exit, output) = await Server.ClientInteropTests.RunAsync("swaks", "--server", $"127.0.0.1:{server.Smtp.Port}",
            "--helo", "client.test", "--from", "sender@collector.test", "--to", "x@loop.test",
            "--header", $"Subject: {marker}", "--body", marker, "--timeout", "30");
        Assert.True(exit == 0, output);
        var dsn = await server.WaitForPeerAsync(server.Collector, marker);
        Assert.Contains("Status: 5.4.6", dsn);
        Assert.Contains("Final-Recipient: rfc822; x@loop.test", dsn);
        var queued = (await server.Cli(null, "queue", "list", "--json")).Output;
        Assert.DoesNotContain("x@loop.test", queued);
    }
}
