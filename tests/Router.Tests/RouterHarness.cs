using System.Net;
using Kernel.Abstractions;

namespace Router.Tests;

/// <summary>
/// Builds a <see cref="TableRouter"/> over the §11 base (fake directory, own IP 192.0.2.10, fixed DNS) from a table
/// text and a small setup language: <c>account a@d; forwarder f@d=target; domain d; nolocal d; alias-domain a=d;
/// unknown d=VALUE; hold LIST; backup</c>, separated by <c>;</c>.
/// </summary>
public sealed class RouterHarness
{
    private readonly RouterState _state = new();

    public RouterHarness(string table, string setup = "")
    {
        var parse = TableParser.Parse(table);
        Assert.True(parse.Ok, string.Join("\n", parse.Errors));
        foreach (var command in setup.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) Apply(command);
        var relay = RelaySettings.LoadAsync(Accounts, CancellationToken.None).GetAwaiter().GetResult();
        _state.Swap(new RouterSnapshot(parse.Table!, relay));
        Router = new TableRouter(_state, Accounts, new FakeListeners(), Dns);
    }

    public FakeAccountStore Accounts { get; } = FakeAccountStore.Base();

    public FakeDns Dns { get; } = new();

    public TableRouter Router { get; }

    public Task<RouteDecision> RouteAsync(string address, string kind = "mail", string source = "U") =>
        Router.RouteAsync(Request(address, kind, source)).AsTask();

    public static RouteRequest Request(string address, string kind, string source)
    {
        var routeKind = kind switch
        {
            "signal" or "call" => RouteKind.Signal,
            "access" => RouteKind.Access,
            "http" => RouteKind.Http,
            _ => RouteKind.Mail,
        };
        var from = source == "T"
            ? new RequestSource { ClientIp = IPAddress.Parse("127.0.0.1"), Class = SourceClass.Trusted }
            : new RequestSource { ClientIp = IPAddress.Parse("203.0.113.9"), Class = SourceClass.Untrusted };
        return new RouteRequest(address, routeKind, from, IsDialogCreating: kind == "call", WithTrace: true);
    }

    private void Apply(string command)
    {
        var space = command.IndexOf(' ');
        var verb = space < 0 ? command : command[..space];
        var arg = space < 0 ? "" : command[(space + 1)..].Trim();
        var eq = arg.IndexOf('=');
        switch (verb)
        {
            case "account": Accounts.Account(arg); break;
            case "forwarder": Accounts.Add(DirectoryObjectKind.Forwarder, arg[..eq], arg[(eq + 1)..]); break;
            case "alias": Accounts.Add(DirectoryObjectKind.Alias, arg[..eq], arg[(eq + 1)..]); break;
            case "group": Accounts.Add(DirectoryObjectKind.Group, arg, null); break;
            case "domain": Accounts.Domains.Add(arg); break;
            case "nolocal": Accounts.Domains.Remove(arg); break;
            case "alias-domain": Accounts.DomainAliases[arg[..eq]] = arg[(eq + 1)..]; break;
            case "unknown": Accounts.Set(SettingScope.ForDomain(arg[..eq]), RouterSettingKeys.MailToUnknown, arg[(eq + 1)..]); break;
            case "ips": Accounts.Set(SettingScope.ForDomain(arg[..eq]), RouterSettingKeys.DomainIpAddresses, arg[(eq + 1)..]); break;
            case "to-clients":
                Accounts.Set(SettingScope.Server, RouterSettingKeys.RelayToClientIps, arg[..eq]);
                Accounts.Set(SettingScope.Server, RouterSettingKeys.ClientIpAddresses, arg[(eq + 1)..]);
                Dns.Mx["inside.dom"] = [new MxRecord(10, "mx.inside.dom")];
                Dns.A["mx.inside.dom"] = [System.Net.IPAddress.Parse("10.1.2.3")];
                break;
            case "hold": Accounts.Set(SettingScope.Server, RouterSettingKeys.HoldDomains, arg); break;
            case "backup":
                Accounts.Set(SettingScope.Server, RouterSettingKeys.RelayToHostsWeBackup, "true");
                Dns.Mx["backup.dom"] = [new MxRecord(10, "mx.backup.dom"), new MxRecord(20, "us.example")];
                Dns.A["mx.backup.dom"] = [IPAddress.Parse("198.51.100.20")];
                Dns.A["us.example"] = [FakeListeners.OwnIp];
                break;
            case "backup-sibling":
                // The better MX is a sibling MTA on another loopback address: 127.0.0.9 is not us (N7).
                Accounts.Set(SettingScope.Server, RouterSettingKeys.RelayToHostsWeBackup, "true");
                Dns.Mx["sibling.dom"] = [new MxRecord(10, "mx.sibling.dom"), new MxRecord(20, "us.example")];
                Dns.A["mx.sibling.dom"] = [IPAddress.Parse("127.0.0.9")];
                Dns.A["us.example"] = [FakeListeners.OwnIp];
                break;
            default: throw new ArgumentException($"unknown setup command {command}");
        }
    }
}
