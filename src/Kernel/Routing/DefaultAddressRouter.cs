using System.Net;
using Kernel.Abstractions;

namespace Kernel.Routing;

/// <summary>
/// The documented default when no Router plugin is present (design.md "The plugin boundary"): local domains are
/// delivered locally, everything else is refused. It applies router.md §2.2 normalisation, the local-domain rules of
/// §6.3 (domain aliases, percent unwrap, object lookup, forwarders), §7's <c>postmaster</c> and §9 rule 1 for the
/// relay verdict. It never produces a <see cref="RouteResult.Remote"/>, so nothing is ever relayed.
/// Never throws for bad input; a failing directory is a temporary failure.
/// </summary>
public sealed class DefaultAddressRouter(IAccountStore accounts, IListenerRegistry? listeners = null) : IAddressRouter
{
    /// <summary>router.md §5.3: more passes than this is a loop.</summary>
    public const int MaxPasses = 10;

    private const int ShownLength = 256;

    public async ValueTask<RouteDecision> RouteAsync(RouteRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var trace = request.WithTrace ? new List<RouteTraceStep>() : null;
        RouteResult result;
        try
        {
            result = await RouteCoreAsync(request, trace, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception)
        {
            // RFC 3463 X.4.3: directory server failure — the client retries later, nothing is lost.
            result = new RouteResult.Reject(RejectReason.TempFailure, "4.4.3", "directory lookup failed; try again later");
        }
        trace?.Add(new RouteTraceStep("result", null, Show(request.Address), result.Display));
        return new RouteDecision(result, Verdict(result), trace ?? (IReadOnlyList<RouteTraceStep>)[]);
    }

    private async Task<RouteResult> RouteCoreAsync(RouteRequest request, List<RouteTraceStep>? trace, CancellationToken cancellationToken)
    {
        var kind = request.Kind;
        if (!RoutingAddress.TryParse(request.Address, out var address, out var error))
            return BadSyntax(error);
        trace?.Add(new RouteTraceStep("normalise", null, Show(request.Address), address!.ToString()));
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string? mainDomain = null;
        for (var pass = 1; ; pass++)
        {
            if (pass > MaxPasses)
                return new RouteResult.Reject(RejectReason.Loop, "5.4.6", $"routing loop: more than {MaxPasses} steps");
            var current = address!.ToString();

            // N6/N7: a bare name, or a literal naming one of our own addresses, is a Main Domain name.
            string domain;
            if (address.Literal is { } ip)
            {
                if (!IsOwnAddress(ip)) return NotLocal($"[{ip}]", kind);
                mainDomain ??= await accounts.GetMainDomainAsync(cancellationToken);
                if (mainDomain is null) return NoMainDomain(kind);
                domain = mainDomain;
                trace?.Add(new RouteTraceStep("own address", $"[{ip}]", current, $"{Local(address)}@{domain}"));
            }
            else if (address.Domain is null)
            {
                mainDomain ??= await accounts.GetMainDomainAsync(cancellationToken);
                if (mainDomain is null) return NoMainDomain(kind);
                domain = mainDomain;
                trace?.Add(new RouteTraceStep("main domain", null, current, $"{Local(address)}@{domain}"));
            }
            else
            {
                domain = address.Domain;
            }

            // §6.3: local if a domain or a domain alias (replaced by the real name first).
            var real = await accounts.ResolveDomainAsync(domain, cancellationToken);
            if (real is null) return NotLocal(domain, kind);
            if (real != domain) trace?.Add(new RouteTraceStep("domain alias", $"{domain} = {real}", $"{Local(address)}@{domain}", $"{Local(address)}@{real}"));

            var key = $"{(address.Quoted ? "\"" : "")}{address.Local}@{real}";
            if (!seen.Add(key))
                return new RouteResult.Reject(RejectReason.Loop, "5.4.6", $"routing loop at {Show(key)}");

            // §6.3 step 1: percent unwrap — cut the local domain, the last '%' becomes '@', new pass.
            if (!address.Quoted && address.Local.LastIndexOf('%') is var percent and >= 0)
            {
                var unwrapped = address.Local[..percent] + "@" + address.Local[(percent + 1)..];
                if (!RoutingAddress.TryParse(unwrapped, out address, out error)) return BadSyntax(error);
                trace?.Add(new RouteTraceStep("percent", null, $"{key}", address!.ToString()));
                continue;
            }

            // §6.3 step 2: object lookup, case-insensitive; anything that is not an object name cannot be one. §2.2 N3:
            // the quotes are removed for lookup, so "alice"@d is alice's (the Router plugin's rule too).
            var inDomain = address.WithDomain(real).ToString();
            var found = ObjectName.IsValid(address.Local)
                ? await accounts.FindObjectAsync(new AccountAddress(address.Local, real), cancellationToken)
                : null;
            if (found is null)
            {
                // §7 / RFC 5321 §4.5.1: postmaster of any local domain reaches the Main Domain's postmaster.
                if (address.Local.Equals("postmaster", StringComparison.OrdinalIgnoreCase))
                {
                    mainDomain ??= await accounts.GetMainDomainAsync(cancellationToken);
                    if (mainDomain is not null && mainDomain != real)
                    {
                        var next = new RoutingAddress("postmaster", mainDomain, null, false, true);
                        trace?.Add(new RouteTraceStep("postmaster", null, key, next.ToString()));
                        address = next;
                        continue;
                    }
                }
                return UnknownUser(inDomain);
            }
            switch (found.Kind)
            {
                case DirectoryObjectKind.Account:
                    trace?.Add(new RouteTraceStep("object", "account", key, found.Address.ToString()));
                    return new RouteResult.Local(found.Address);
                case DirectoryObjectKind.Alias when found.Target is { } target && AccountAddress.TryParse(target, real, out var account):
                    trace?.Add(new RouteTraceStep("object", "alias", key, account!.ToString()));
                    return new RouteResult.Local(account!);
                case DirectoryObjectKind.Group or DirectoryObjectKind.MailingList:
                    var label = found.Kind == DirectoryObjectKind.Group ? "group" : "mailing list";
                    trace?.Add(new RouteTraceStep("object", label, key, found.Address.ToString()));
                    if (kind != RouteKind.Mail)
                        return new RouteResult.Reject(RejectReason.UnknownUser, "5.1.1", $"{found.Address} is a {label}, not an account");
                    return found.Kind == DirectoryObjectKind.Group ? new RouteResult.Group(found.Address) : new RouteResult.MailingList(found.Address);
                case DirectoryObjectKind.Forwarder when found.Target is { } target:
                    // §6.3: a forwarder cannot log in; for mail and signals it is a new pass with a Relay: grant.
                    if (kind is RouteKind.Access or RouteKind.Http)
                        return new RouteResult.Reject(RejectReason.UnknownUser, "5.1.1", $"{found.Address} is a forwarder, not an account");
                    if (!RoutingAddress.TryParse(target, out address, out error)) return BadSyntax($"forwarder {found.Address}: {error}");
                    trace?.Add(new RouteTraceStep("object", "forwarder", key, address!.ToString(), "Relay"));
                    continue;
                default:
                    return UnknownUser(inDomain);
            }
        }
    }

    /// <summary>§9 rule 1: only a Remote result is relaying, and the default router never produces one.</summary>
    private static RelayVerdict Verdict(RouteResult result) => result switch
    {
        RouteResult.Remote => RelayVerdict.Deny("no Router plugin: relaying is not configured"),
        RouteResult.Local or RouteResult.Group or RouteResult.MailingList => RelayVerdict.Allow("local delivery is not relaying"),
        _ => RelayVerdict.Allow("not relaying: nothing leaves the server"),
    };

    private bool IsOwnAddress(IPAddress ip)
    {
        // router.md §2.2 N7 is the listener registry's rule (the one implementation); without a registry only
        // 127.0.0.1 and ::1 are ours — never the rest of 127.0.0.0/8.
        if (listeners is not null) return listeners.IsOwnAddress(ip);
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        return ip.Equals(IPAddress.Loopback) || ip.Equals(IPAddress.IPv6Loopback);
    }

    private static RouteResult NotLocal(string domain, RouteKind kind) => kind is RouteKind.Access or RouteKind.Http
        // §6.4: for a login every non-local result means "no such account".
        ? new RouteResult.Reject(RejectReason.UnknownUser, "5.1.1", $"no such account: {Show(domain)} is not a local domain")
        : new RouteResult.Reject(RejectReason.UnknownDomain, "5.1.2", $"{Show(domain)} is not a local domain and relaying is not configured");

    private static RouteResult NoMainDomain(RouteKind kind) => kind is RouteKind.Access or RouteKind.Http
        ? new RouteResult.Reject(RejectReason.UnknownUser, "5.1.1", "no such account: no Main Domain is configured")
        : new RouteResult.Reject(RejectReason.UnknownDomain, "5.1.2", "a name without a domain needs a Main Domain, and none is configured");

    /// <summary>The same text as the Router plugin's (issue 9 §1: one answer for §6.3 whichever router runs).</summary>
    private static RouteResult.Reject UnknownUser(string current) => new(RejectReason.UnknownUser, "5.1.1", $"unknown user {Show(current)}");

    private static RouteResult.Reject BadSyntax(string error) => new(RejectReason.BadSyntax, "5.1.3", $"bad address syntax: {error}");

    private static string Local(RoutingAddress address) => address.Quoted ? $"\"{address.Local}\"" : address.Local;

    private static string Show(string? text) =>
        text is null ? "" : text.Length <= ShownLength ? text : text[..ShownLength] + "…";
}
