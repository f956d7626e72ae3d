using System.Net;
using Kernel.Abstractions;

namespace Kernel.Plugins;

/// <summary>Stands in when the kernel services carry no <see cref="IListenerRegistry"/>: nothing is bound, only loopback is own.</summary>
internal sealed class UnavailableListenerRegistry : IListenerRegistry
{
    public IReadOnlyList<ListenerBinding> Bindings => [];

    public bool IsOwnAddress(IPAddress address) => IPAddress.IsLoopback(address);
}
