using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Kernel.Abstractions;
using Microsoft.Extensions.Logging.Abstractions;
using Smtp.Protocol;
using Smtp.Server;

namespace Smtp.Tests.Session;

/// <summary>
/// ATRN (RFC 2645) up to the turn, without sockets: a session on in-memory pipes with a fake queue, router and account
/// store, and a fake <see cref="IQueueTurnaround"/> that records what it is handed. The delivery side is not in this
/// branch, so this is where the 250-then-hand-over path is proven.
/// </summary>
public sealed class OdmrTurnTests
{
    private sealed class RecordingTurnaround : IQueueTurnaround
    {
        public IConnection? Connection { get; private set; }

        public IReadOnlyList<string>? Queues { get; private set; }

        public Task RunAsync(IConnection connection, IReadOnlyList<string> queues, CancellationToken cancellationToken)
        {
            Connection = connection;
            Queues = queues;
            return Task.CompletedTask;
        }
    }

    private sealed class PipeConnection(Pipe fromClient, Pipe toClient) : IConnection
    {
        public string Id => "t1";
        public string? Role => "Odmr";
        public IPEndPoint RemoteEndPoint { get; } = new(IPAddress.Parse("127.0.0.5"), 40000);
        public IPEndPoint LocalEndPoint { get; } = new(IPAddress.Loopback, 366);
        public PipeReader Input => fromClient.Reader;
        public PipeWriter Output => toClient.Writer;
        public ConnectionTls? Tls => null;
        public Task StartTlsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
        public void Abort() => toClient.Writer.Complete();
    }

    private sealed class OpenThrottle : ILoginThrottle
    {
        public ValueTask<LoginPermit> BeforeAttemptAsync(IPAddress? client, string? account, CancellationToken cancellationToken) => ValueTask.FromResult(LoginPermit.Allow);
        public void RecordFailure(IPAddress? client, string? account) { }
        public void RecordSuccess(IPAddress? client, string? account) { }
    }

    /// <summary>The kernel default's rule: loopback and authenticated sources are Trusted.</summary>
    private sealed class LoopbackClassifier : ISourceClassifier
    {
        public bool IsClientAddress(IPAddress? clientIp) => clientIp is not null && IPAddress.IsLoopback(clientIp);
        public SourceClass Classify(RequestSource source) =>
            source.AuthenticatedAccount is not null || IsClientAddress(source.ClientIp) ? SourceClass.Trusted : SourceClass.Untrusted;
    }

    private sealed class Lease : IQueueLease
    {
        public string Queue => "customer.dom";
        public Task<OutboundMessage?> NextAsync(CancellationToken cancellationToken = default) => Task.FromResult<OutboundMessage?>(null);
        public Task CompleteAsync(OutboundMessage message, IReadOnlyList<RecipientOutcome> outcomes, CancellationToken cancellationToken = default) => Task.CompletedTask;
        public Task<bool> RenewAsync(TimeSpan duration, CancellationToken cancellationToken = default) => Task.FromResult(true);
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class AccessRouter : IAddressRouter
    {
        public ValueTask<RouteDecision> RouteAsync(RouteRequest request, CancellationToken cancellationToken = default)
        {
            var at = request.Address.IndexOf('@');
            var name = at < 0 ? request.Address : request.Address[..at];
            RouteResult result = name is "customer.dom" or "other.dom"
                ? new RouteResult.Local(new AccountAddress(name, "main.dom"))
                : new RouteResult.Reject(RejectReason.UnknownUser, "5.1.1", "unknown");
            return ValueTask.FromResult(new RouteDecision(result, RelayVerdict.Allow("local"), []));
        }
    }

    [Fact]
    public async Task AnEntitledAtrnGets250AndHandsTheConnectionToTheTurnaround()
    {
        var turnaround = new RecordingTurnaround();
        await using var session = Start(turnaround, leaseFree: true);
        await session.LoginAsync("customer.dom");
        // alias.dom is routed into queue customer.dom (smtp.md §10): both name the one entitled queue.
        Assert.Equal("250 2.0.0 OK now reversing the connection", await session.CommandAsync("ATRN customer.dom,alias.dom"));
        await session.Run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Same(session.Connection, turnaround.Connection);
        Assert.Equal(["customer.dom"], turnaround.Queues);
    }

    [Fact]
    public async Task TurnAfterAuthIsAtrnForTheAccountsOwnQueue()
    {
        var turnaround = new RecordingTurnaround();
        await using var session = Start(turnaround, leaseFree: true, kind: SmtpListenerKind.Smtp);
        Assert.StartsWith("530 5.7.0", await session.CommandAsync("TURN"));
        await session.LoginAsync("customer.dom");
        Assert.StartsWith("250 2.0.0", await session.CommandAsync("TURN"));
        await session.Run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["customer.dom"], turnaround.Queues);
    }

    [Fact]
    public async Task AQueueBeingDrainedOrNotOwnedIsRefused()
    {
        var turnaround = new RecordingTurnaround();
        await using var session = Start(turnaround, leaseFree: false);
        await session.LoginAsync("customer.dom");
        Assert.StartsWith("451 4.3.0", await session.CommandAsync("ATRN customer.dom"));    // another session holds the lease
        Assert.StartsWith("450 4.7.1", await session.CommandAsync("ATRN customer.dom,far.dom"));
        Assert.Null(turnaround.Queues);
        Assert.StartsWith("221", await session.CommandAsync("QUIT"));
    }

    [Fact]
    public async Task NothingWaitingIs453()
    {
        await using var session = Start(new RecordingTurnaround(), leaseFree: true);
        await session.LoginAsync("other.dom");
        Assert.StartsWith("453 4.3.0", await session.CommandAsync("ATRN"));
        Assert.StartsWith("502 5.5.1", await session.CommandAsync("DATA"));   // RFC 2645 §5.4 on the ODMR listener
    }

    private static Harness Start(IQueueTurnaround turnaround, bool leaseFree, SmtpListenerKind kind = SmtpListenerKind.Odmr)
    {
        var queue = InterfaceFake<IMessageQueue>.Create((name, args) => name switch
        {
            "FindQueueForDomainAsync" => Task.FromResult<string?>((string)args[0]! switch
            {
                "customer.dom" or "alias.dom" => "customer.dom",
                "far.dom" => "far.dom",
                _ => null,
            }),
            "ListAsync" => Task.FromResult<IReadOnlyList<QueueEntry>>((string?)args[0] == "customer.dom"
                ? [new QueueEntry("m1", "a@far.test", DateTimeOffset.UtcNow, 10, [], RequestSource.InternalSource("test"))]
                : []),
            "LeaseQueueAsync" => Task.FromResult<IQueueLease?>(leaseFree ? new Lease() : null),
            _ => throw new NotSupportedException(name),
        });
        var accounts = InterfaceFake<IAccountStore>.Create((name, args) => name switch
        {
            "GetSettingAsync" => Task.FromResult<string?>(null),
            "GetMainDomainAsync" => Task.FromResult<string?>("main.dom"),
            // Every account of this fake has the password "secret".
            "GetCredentialVerifierAsync" => Task.FromResult<CredentialVerifier?>(new CredentialVerifier(CredentialMechanism.CramMd5, null, CramMd5Secret.Compute("secret"))),
            _ => throw new NotSupportedException(name),
        });
        var services = new SmtpServices(queue, new AccessRouter(), accounts, new LoopbackClassifier(), new OpenThrottle(), turnaround, new SmtpServerOptions { ServerName = "mx.main.dom" }, NullLogger.Instance);
        var fromClient = new Pipe();
        var toClient = new Pipe();
        var connection = new PipeConnection(fromClient, toClient);
        var run = new SmtpSession(connection, services, kind, CancellationToken.None).RunAsync();
        return new Harness(connection, fromClient.Writer, toClient.Reader, run);
    }

    private sealed class Harness(IConnection connection, PipeWriter toServer, PipeReader fromServer, Task run) : IAsyncDisposable
    {
        private bool _greeted;

        public IConnection Connection => connection;

        public Task Run => run;

        public async Task<string> CommandAsync(string line)
        {
            if (!_greeted)
            {
                _greeted = true;
                Assert.StartsWith("220 ", await ReplyAsync());
            }
            await toServer.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"));
            return await ReplyAsync();
        }

        public async Task LoginAsync(string user)
        {
            Assert.StartsWith("250", await CommandAsync("EHLO customer.test"));
            var challenge = await CommandAsync("AUTH CRAM-MD5");
            Assert.StartsWith("334 ", challenge);
            Assert.StartsWith("235 2.7.0", await CommandAsync(Server.CramMd5.Answer(user, "secret", challenge[4..])));
        }

        private async Task<string> ReplyAsync()
        {
            var text = new StringBuilder();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (true)
            {
                var read = await fromServer.ReadAsync(timeout.Token);
                var buffer = read.Buffer;
                while (buffer.PositionOf((byte)'\n') is { } end)
                {
                    var line = Encoding.UTF8.GetString(buffer.Slice(0, end)).TrimEnd('\r');
                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                    if (line.Length >= 4 && line[3] == ' ')
                    {
                        fromServer.AdvanceTo(buffer.Start);
                        return text.Append(line).ToString();
                    }
                    text.Append(line).Append('\n');
                }
                fromServer.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted) return text.Append("<closed>").ToString();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await toServer.CompleteAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
