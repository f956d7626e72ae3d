using Kernel.Abstractions;

namespace Kernel.Plugins;

/// <summary>Stands in when the kernel services carry no connection server (a CLI invocation): listening fails with a clear reason.</summary>
internal sealed class UnavailableConnectionHost : IConnectionHost
{
    public static UnavailableConnectionHost Instance { get; } = new();

    public IConnectionListener Listen(ConnectionListenerOptions options, ConnectionHandler handler) =>
        throw new InvalidOperationException("this kernel hosts no connections; listeners cannot be bound");
}
