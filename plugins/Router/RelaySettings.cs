using System.Net;
using Kernel.Abstractions;

namespace Router;

/// <summary>The relay-related settings (router.md §9, smtp.md §5.3), read once per configuration change.</summary>
internal sealed record RelaySettings(
    IReadOnlyList<string> HoldDomains,
    bool RelayToHostsWeBackup,
    string RelayToClientIps,
    string RelayFrom,
    NetworkList ClientIps,
    IReadOnlyDictionary<IPAddress, string>? DomainsByIp = null)
{
    public const string DefaultClientIps = "127.0.0.1\n::1";

    public static RelaySettings Default { get; } = new([], false, "none", "clients", new NetworkList(DefaultClientIps));

    public static async Task<RelaySettings> LoadAsync(IAccountStore accounts, CancellationToken cancellationToken)
    {
        var scope = SettingScope.Server;
        var hold = await accounts.GetSettingAsync(scope, RouterSettingKeys.HoldDomains, cancellationToken);
        var backup = await accounts.GetSettingAsync(scope, RouterSettingKeys.RelayToHostsWeBackup, cancellationToken);
        var toClients = await accounts.GetSettingAsync(scope, RouterSettingKeys.RelayToClientIps, cancellationToken);
        var from = await accounts.GetSettingAsync(scope, RouterSettingKeys.RelayFrom, cancellationToken);
        var clients = await accounts.GetSettingAsync(scope, RouterSettingKeys.ClientIpAddresses, cancellationToken)
            ?? await accounts.GetSettingAsync(scope, RouterSettingKeys.OldClientIpAddresses, cancellationToken);
        return new RelaySettings(
            (hold ?? "").Split([',', '\n', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(h => h.ToLowerInvariant()).ToArray(),
            bool.TryParse(backup, out var b) && b,
            (toClients ?? "none").Trim().ToLowerInvariant(),
            (from ?? "clients").Trim().ToLowerInvariant(),
            new NetworkList(clients ?? DefaultClientIps),
            await DomainsByIpAsync(accounts, cancellationToken));
    }

    /// <summary>router.md §2.2 N7: which Domain has an own IP assigned (the first domain listing it wins).</summary>
    private static async Task<IReadOnlyDictionary<IPAddress, string>> DomainsByIpAsync(IAccountStore accounts, CancellationToken cancellationToken)
    {
        var map = new Dictionary<IPAddress, string>();
        foreach (var domain in await accounts.ListDomainsAsync(cancellationToken))
        {
            var own = await accounts.GetOwnSettingsAsync(SettingScope.ForDomain(domain.Name), cancellationToken);
            if (!own.TryGetValue(RouterSettingKeys.DomainIpAddresses, out var list)) continue;
            foreach (var text in list.Split([',', '\n', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (IPAddress.TryParse(text, out var ip)) map.TryAdd(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip, domain.Name);
            }
        }
        return map;
    }

    /// <summary>
    /// smtp.md §5.1: authenticated (and the server's own) sources are Trusted; a Client IP address is Trusted unless
    /// "Relay … if received from" is <c>nobody</c>; <c>anybody</c> trusts every client (an open relay).
    /// </summary>
    public SourceClass Classify(RequestSource source) =>
        source.Internal || source.AuthenticatedAccount is not null || RelayFrom == "anybody"
        || (RelayFrom != "nobody" && ClientIps.Contains(source.ClientIp))
            ? SourceClass.Trusted
            : SourceClass.Untrusted;

    /// <summary>smtp.md §7: exact queue names, case-insensitive; a leading <c>*.</c> matches any subdomain.</summary>
    public bool IsHeld(string queue)
    {
        foreach (var entry in HoldDomains)
        {
            if (entry.StartsWith("*.", StringComparison.Ordinal))
            {
                if (queue.Length > entry.Length - 1 && queue.EndsWith(entry[1..], StringComparison.OrdinalIgnoreCase)) return true;
            }
            else if (entry.Equals(queue, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
