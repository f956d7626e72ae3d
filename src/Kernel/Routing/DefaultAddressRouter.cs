using System.Net;
using Kernel.Abstractions;

namespace Kernel.Routing;

/// <summary>
/// The documented default when no Router plugin is present (design.md "The plugin boundary"): local domains are
/// delivered locally, everything else is refused. It applies router.md §2.2 normalisation, the local-domain rules of
/// §6.3 (domain aliases, percent unwrap, object lookup, forwarders), §7's <c>postmaster</c> (both through the SDK's <see cref="LocalDomainRouting"/>, as the Router plugin) and §9 rule 1 for the
/// relay verdict. It never produces a <see cref="RouteResult.Remote"/>, so nothing is ever relayed.
/// Never throws for bad input; a failing directory is a temporary failure.
/// </summary>
public sealed class DefaultAddressRouter(IAccountStore accounts, IListenerRegistry? listeners = null) : IAddressRouter
{
    private readonly LocalDomainRouting _local = new(accounts);

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

            // §6.3 in the local domain: the SDK's one implementation, shared with the Router plugin.
            var step = await _local.RouteInDomainAsync(address, real, kind, cancellationToken);
            if (step.Trace is { } t) trace?.Add(t with { Before = Show(t.Before), After = Show(t.After) });
            if (step.Result is { } result) return result;
            address = step.Next;
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

    private static RouteResult.Reject BadSyntax(string error) => new(RejectReason.BadSyntax, "5.1.3", $"bad address syntax: {error}");

    private static string Local(RoutingAddress address) => address.Quoted ? $"\"{address.Local}\"" : address.Local;

    private static string Show(string? text) =>
        text is null ? "" : text.Length <= ShownLength ? text : text[..ShownLength] + "…";
}
