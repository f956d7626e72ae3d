namespace Kernel.Abstractions;

/// <summary>How a signal the server originates leaves (supplied by the SIP plugin): a request to a URI, e.g. a MESSAGE or NOTIFY.</summary>
public interface ISignalTransport
{
    string Name { get; }

    Task<SignalOutcome> SendAsync(SignalRequest request, CancellationToken cancellationToken);
}
