using Kernel.Abstractions;

namespace Smtp.Server;

/// <summary>
/// The server settings a session's policy needs (smtp.md §5.1): the Client IP Addresses, "Relay … if received
/// from", and our name. Read from the settings store at most once a second and shared by the sessions of that
/// second, so a burst of connections costs no store reads each; a change is seen by the next connection after it.
/// </summary>
internal sealed class SessionPolicy(IAccountStore accounts, string? configuredName)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private Snapshot? _current;

    public sealed record Snapshot(ClientAddressList Clients, string RelayFrom, string ServerName, DateTime ReadAt);

    public async ValueTask<Snapshot> GetAsync(CancellationToken cancellationToken)
    {
        if (_current is { } fresh && DateTime.UtcNow - fresh.ReadAt < MaxAge) return fresh;
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } again && DateTime.UtcNow - again.ReadAt < MaxAge) return again;
            var clients = await accounts.GetSettingAsync(SettingScope.Server, "Network.ClientIpAddresses", cancellationToken)
                ?? await accounts.GetSettingAsync(SettingScope.Server, "ClientIpAddresses", cancellationToken);
            var relayFrom = (await accounts.GetSettingAsync(SettingScope.Server, "SMTP.RelayFrom", cancellationToken))?.Trim().ToLowerInvariant() ?? "clients";
            var name = configuredName ?? await accounts.GetMainDomainAsync(cancellationToken) ?? Environment.MachineName.ToLowerInvariant();
            _current = new Snapshot(new ClientAddressList(clients), relayFrom, name, DateTime.UtcNow);
            return _current;
        }
        finally
        {
            _refresh.Release();
        }
    }
}
