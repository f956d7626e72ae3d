using System.IO.Pipelines;
using System.Net;
using Smtp.Delivery;

namespace Smtp.Tests.Delivery;

/// <summary>An in-memory duplex pipe: the client session on one side, a <see cref="FakeSmtpPeer"/> on the other.</summary>
internal sealed class InMemoryChannel : ISmtpChannel
{
    private readonly Pipe _toPeer = new();
    private readonly Pipe _toClient = new();

    public PipeReader Input => _toClient.Reader;

    public PipeWriter Output => _toPeer.Writer;

    public PipeReader PeerInput => _toPeer.Reader;

    public PipeWriter PeerOutput => _toClient.Writer;

    public EndPoint RemoteEndPoint { get; } = new IPEndPoint(IPAddress.Parse("192.0.2.99"), 25);

    public bool CanStartTls => false;

    public bool IsTls => false;

    public bool IsTlsValidated => false;

    public Task StartTlsAsync(string targetHost, CancellationToken cancellationToken) => throw new NotSupportedException();

    /// <summary>Starts <paramref name="peer"/> on the other end.</summary>
    public Task Serve(FakeSmtpPeer peer, CancellationToken cancellationToken) => Task.Run(() => peer.ServeAsync(PeerInput, PeerOutput, cancellationToken), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _toPeer.Writer.CompleteAsync();
        await _toClient.Reader.CompleteAsync();
    }
}
