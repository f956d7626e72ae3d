using System.Net;
using Kernel.Abstractions;
using Kernel.Testing.Stores;

namespace Router.Tests;

/// <summary>
/// Builds a <see cref="TableRouter"/> over the §11 base (the real account store through <see cref="TestDirectory"/>,
/// own IP 192.0.2.10, fixed DNS) from a table text and a small setup language: <c>account a@d; forwarder f@d=target; domain d; nolocal d; alias-domain a=d;
/// unknown d=VALUE; hold LIST; backup</c>, separated by <c>;</c>.
/// </summary>
public sealed class RouterHarness : IDisposable
{
    private readonly RouterState _state = new();

    public RouterHarness(string table, string setup = "")
    {
        var parse = TableParser.Parse(table);
        Assert.True(parse.Ok, string.Join("\n", parse.Errors));
        var commands = setup.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // "nolocal D" takes a base domain out: it is never created, rather than created and removed.
        Directory = BaseDirectory(commands.Where(c => c.StartsWith("nolocal ", StringComparison.Ordinal)).Select(c => c["nolocal ".Length..].Trim()));
        foreach (var command in commands) Apply(command);
        var relay = RelaySettings.LoadAsync(Accounts, CancellationToken.None).GetAwaiter().GetResult();
        _state.Swap(new RouterSnapshot(parse.Table!, relay));
        Router = new TableRouter(_state, Accounts, new FakeListeners(), Dns);
    }

    public TestDirectory Directory { get; }

    public IAccountStore Accounts => Directory.Store;

    /// <summary>router.md §11 base: Main Domain main.dom; Secondary Domains domain.dom and our.dom; alice, boss, postmaster.</summary>
    public static TestDirectory BaseDirectory(IEnumerable<string>? without = null)
    {
        var skip = new HashSet<string>(without ?? [], StringComparer.OrdinalIgnoreCase);
        var directory = new TestDirectory();
        foreach (var domain in new[] { "main.dom", "domain.dom", "our.dom" }.Where(d => !skip.Contains(d))) directory.Domain(domain);
        foreach (var account in new[] { "alice@domain.dom", "boss@main.dom", "postmaster@main.dom" }.Where(a => !skip.Contains(a[(a.IndexOf('@') + 1)..])))
            directory.Account(account);
        return directory;
    }

    public void Dispose() => Directory.Dispose();

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
            case "account": Directory.Account(arg); break;
            case "forwarder": Directory.Forwarder(arg[..eq], arg[(eq + 1)..]); break;
            case "alias": Directory.Alias(arg[..eq], arg[(eq + 1)..]); break;
            case "group": Directory.Group(arg); break;
            case "domain": Directory.Domain(arg); break;
            case "nolocal": break; // left out of the base above
            case "alias-domain": Directory.DomainAlias(arg[..eq], arg[(eq + 1)..]); break;
            case "unknown": Directory.Setting(SettingScope.ForDomain(arg[..eq]), RouterSettingKeys.MailToUnknown, arg[(eq + 1)..]); break;
            case "ips": Directory.Setting(SettingScope.ForDomain(arg[..eq]), RouterSettingKeys.DomainIpAddresses, arg[(eq + 1)..]); break;
            case "to-clients":
                Directory.Setting(SettingScope.Server, RouterSettingKeys.RelayToClientIps, arg[..eq]);
                Directory.Setting(SettingScope.Server, RouterSettingKeys.ClientIpAddresses, arg[(eq + 1)..]);
                Dns.Mx["inside.dom"] = [new MxRecord(10, "mx.inside.dom")];
                Dns.A["mx.inside.dom"] = [System.Net.IPAddress.Parse("10.1.2.3")];
                break;
            case "hold": Directory.Setting(SettingScope.Server, RouterSettingKeys.HoldDomains, arg); break;
            case "backup":
                Directory.Setting(SettingScope.Server, RouterSettingKeys.RelayToHostsWeBackup, "true");
                Dns.Mx["backup.dom"] = [new MxRecord(10, "mx.backup.dom"), new MxRecord(20, "us.example")];
                Dns.A["mx.backup.dom"] = [IPAddress.Parse("198.51.100.20")];
                Dns.A["us.example"] = [FakeListeners.OwnIp];
                break;
            case "backup-sibling":
                // The better MX is a sibling MTA on another loopback address: 127.0.0.9 is not us (N7).
                Directory.Setting(SettingScope.Server, RouterSettingKeys.RelayToHostsWeBackup, "true");
                Dns.Mx["sibling.dom"] = [new MxRecord(10, "mx.sibling.dom"), new MxRecord(20, "us.example")];
                Dns.A["mx.sibling.dom"] = [IPAddress.Parse("127.0.0.9")];
                Dns.A["us.example"] = [FakeListeners.OwnIp];
                break;
            default: throw new ArgumentException($"unknown setup command {command}");
        }
    }
}
