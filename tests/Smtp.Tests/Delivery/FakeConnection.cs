using System.IO.Pipelines;
using System.Net;
using Kernel.Abstractions;

namespace Smtp.Tests.Delivery;

/// <summary>A kernel connection as the SMTP server session hands it over after ATRN: two in-memory pipes, no socket.</summary>
public sealed class FakeConnection : IConnection
{
    private readonly Pipe _fromPeer = new();
    private readonly Pipe _toPeer = new();

    public string Id => "c1";

    public string? Role => "Odmr";

    public IPEndPoint RemoteEndPoint { get; } = new(IPAddress.Parse("127.0.0.33"), 40000);

    public IPEndPoint LocalEndPoint { get; } = new(IPAddress.Loopback, 366);

    public PipeReader Input => _fromPeer.Reader;

    public PipeWriter Output => _toPeer.Writer;

    public ConnectionTls? Tls => null;

    /// <summary>The customer's side: what it reads from us and writes to us.</summary>
    public PipeReader PeerInput => _toPeer.Reader;

    public PipeWriter PeerOutput => _fromPeer.Writer;

    public Task StartTlsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public void Abort()
    {
        _fromPeer.Writer.Complete();
        _toPeer.Reader.Complete();
    }
}
