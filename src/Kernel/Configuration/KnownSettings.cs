using System.Net;
using Kernel.Abstractions;

namespace Kernel.Configuration;

/// <summary>
/// Every setting the kernel and the bundled Router plugin read (SettingKeys, RouterSettingKeys), so the CLI can refuse
/// an unknown key or a bad value with one line naming what is allowed. The Router's keys are described here because the
/// frozen SDK 2.0 has no way for a plugin to describe its settings; an additive SDK hook can move them to the plugin.
/// </summary>
public static class KnownSettings
{
    private const string Kernel = "kernel";
    private const string Router = "Router plugin";
    private const string Rules = "Rules plugin";
    private const string Smtp = "Smtp plugin";

    public static IReadOnlyList<KnownSetting> All { get; } =
    [
        new(SettingKeys.MainDomain, "Main Domain Name", "domain", "an existing domain", null, SettingLevels.Server, DomainName.IsValid, Kernel),
        new(SettingKeys.TemplateMailboxes, "Account Template: Mailboxes", "list", "mailbox names separated by ','", null, SettingLevels.ServerDomain | SettingLevels.Template, _ => true, Kernel),
        new(SettingKeys.TemplateSubscriptions, "Account Template: Subscription", "list", "mailbox names separated by ','", null, SettingLevels.ServerDomain | SettingLevels.Template, _ => true, Kernel),
        new(SettingKeys.TemplateMailboxAliases, "Account Template: Mailbox Aliases", "list", "alias=target pairs separated by ','", null, SettingLevels.ServerDomain | SettingLevels.Template, IsAliasList, Kernel),
        new(SettingKeys.CramMd5Enabled, "Secure Methods: CRAM-MD5", "boolean", "true, false", "true", SettingLevels.Domain, IsBoolean, Kernel),
        new(SettingKeys.MailboxQuotaBytes, "Mail Storage limit", "bytes", "a whole number of bytes ≥ 0", "unlimited", SettingLevels.All, IsCount, Kernel),
        new(SettingKeys.FileQuotaBytes, "File Storage limit", "bytes", "a whole number of bytes ≥ 0", "unlimited", SettingLevels.All, IsCount, Kernel),
        new(SettingKeys.FileQuotaItems, "File Storage: Files limit", "count", "a whole number ≥ 0", "unlimited", SettingLevels.All, IsCount, Kernel),
        new(SettingKeys.RealName, "Real Name", "text", "any text", null, SettingLevels.Account, _ => true, Kernel),
        new("MailToUnknown", "Mail to Unknown", "choice", "Rejected, Discarded, AcceptedAndBounced, Rerouted:<address>", "Rejected", SettingLevels.ServerDomain, IsMailToUnknown, Router),
        new("Network.ClientIpAddresses", "Client IP Addresses", "network list", "addresses, a-b ranges or address/bits, separated by ',' or new lines", "127.0.0.1, ::1", SettingLevels.Server, IsNetworkList, Router, ["ClientIpAddresses"]),
        new("IPAddresses", "Domain IP Addresses", "address list", "IP addresses separated by ','", null, SettingLevels.Domain, IsAddressList, Router),
        new("SMTP.HoldDomains", "Hold Mail for Domains", "list", "queue names separated by ','; *.x matches subdomains", null, SettingLevels.Server, _ => true, Router),
        new("SMTP.RelayToHostsWeBackup", "Relay to All Hosts We Backup", "boolean", "true, false", "false", SettingLevels.Server, IsBoolean, Router),
        new("SMTP.RelayToClientIps", "Relay to Client IP Addresses if sent to", "choice", "none, simple, any", "none", SettingLevels.Server, v => IsOneOf(v, "none", "simple", "any"), Router),
        new("SMTP.Relay", "Relay (per-account service: AUTH lets the account relay)", "boolean", "true, false", "true", SettingLevels.All, IsBoolean, Router),
        new("SMTP.RelayFrom", "Relay to any IP address if received from", "choice", "clients, nobody, anybody", "clients", SettingLevels.Server, v => IsOneOf(v, "clients", "nobody", "anybody"), Router),
        // rules.md §7: what a user may put in the rules they save themselves; §5 Time Of Day at account scope.
        new("RulesAllowed", "Rules Allowed", "choice", "No, Filter Only, All But Exec, Any", "Any", SettingLevels.All, v => IsOneOf(v, "No", "Filter Only", "All But Exec", "Any"), Rules),
        new("TimeZone", "Time Zone", "time zone", "an IANA time zone id (Europe/Paris)", "the server's", SettingLevels.Account, v => TimeZoneInfo.TryFindSystemTimeZoneById(v, out _), Rules),
        new("SMTP.AtrnQueues", "ATRN queues", "list", "queue names separated by ','", null, SettingLevels.Account, _ => true, Smtp),
    ];

    /// <summary>The setting a key names — its current key or an old one — case-insensitively; null when unknown.</summary>
    public static KnownSetting? Find(string key) =>
        All.FirstOrDefault(s => s.AllNames.Any(n => n.Equals(key.Trim(), StringComparison.OrdinalIgnoreCase)));

    /// <summary>The known setting, or one line naming the known keys.</summary>
    public static KnownSetting Require(string key) =>
        Find(key) ?? throw new ArgumentException($"unknown setting '{key}' (known: {string.Join(", ", All.Select(s => s.Key))}; see kernel settings keys)");

    /// <summary>Refuses a value the setting does not accept, or a scope it is not read at; one line naming what is allowed.</summary>
    public static void Check(KnownSetting setting, SettingScopeKind scope, string? value)
    {
        if (value is null) return; // removing is always allowed, so old or misplaced values can be cleaned up
        if (!setting.IsAllowedAt(scope))
            throw new ArgumentException($"{setting.Key} is not read at the {Describe(scope)} level (set it at: {setting.LevelsText})");
        if (!setting.IsValid(value.Trim()))
            throw new ArgumentException($"{setting.Key}: '{value}' is not allowed (allowed: {setting.Allowed})");
    }

    private static string Describe(SettingScopeKind kind) => kind switch
    {
        SettingScopeKind.Server => "server",
        SettingScopeKind.Domain => "domain",
        SettingScopeKind.AccountTemplate => "template",
        _ => "account",
    };

    private static bool IsOneOf(string value, params string[] allowed) => allowed.Any(a => a.Equals(value, StringComparison.OrdinalIgnoreCase));

    private static bool IsBoolean(string value) => IsOneOf(value, "true", "false");

    private static bool IsCount(string value) => long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _);

    private static IEnumerable<string> Items(string value, params char[] separators) =>
        value.Split(separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool IsAliasList(string value) => Items(value, ',').All(p => p.IndexOf('=') is > 0 and var eq && eq < p.Length - 1);

    private static bool IsAddressList(string value) => Items(value, ',', '\n', ' ').All(a => IPAddress.TryParse(a, out _));

    /// <summary>What the Router's NetworkList reads: <c>a</c>, <c>a-b</c>, <c>a/bits</c>, <c>!</c> to exclude, <c>;</c> comments.</summary>
    private static bool IsNetworkList(string value)
    {
        foreach (var raw in value.Split('\n', ','))
        {
            var entry = raw.IndexOf(';') is >= 0 and var c ? raw[..c] : raw;
            entry = entry.Trim().TrimStart('!').Trim();
            if (entry.Length == 0) continue;
            var ok = entry.IndexOf('-') is > 0 and var dash
                ? IPAddress.TryParse(entry[..dash], out _) && IPAddress.TryParse(entry[(dash + 1)..], out _)
                : entry.IndexOf('/') is > 0 and var slash
                    ? IPAddress.TryParse(entry[..slash], out var ip) && int.TryParse(entry[(slash + 1)..], out var bits) && bits >= 0 && bits <= ip.GetAddressBytes().Length * 8
                    : IPAddress.TryParse(entry, out _);
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>router.md §8: the four choices; a reroute target is an address with a domain.</summary>
    private static bool IsMailToUnknown(string value)
    {
        if (IsOneOf(value, "Rejected", "Discarded") || IsOneOf(value.Replace(" ", ""), "AcceptedAndBounced")) return true;
        const string rerouted = "Rerouted:";
        if (!value.StartsWith(rerouted, StringComparison.OrdinalIgnoreCase)) return false;
        var target = value[rerouted.Length..].Trim();
        var at = target.LastIndexOf('@');
        return at > 0 && at < target.Length - 1 && !target.Any(char.IsWhiteSpace);
    }
}
