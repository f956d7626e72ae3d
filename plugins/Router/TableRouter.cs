using System.Composition;
using System.Net;
using Kernel.Abstractions;

namespace Router;

/// <summary>
/// The Router (router.md): §2 normalisation, the table passes of §5 with the record semantics of §4, built-in routing
/// (§6), special targets (§7), Mail to Unknown (§8) and the relay verdict (§9). Reads the current
/// <see cref="RouterSnapshot"/> once per request. Never throws for bad input: a malformed address is a Reject, and a
/// failing directory or DNS is a temporary failure.
/// </summary>
[Export(typeof(IAddressRouter))]
public sealed class TableRouter : IAddressRouter, ISourceClassifier
{
    /// <summary>router.md §5.3: at most this many passes in one routing.</summary>
    public const int MaxPasses = 10;

    // Verdicts with a constant reason are shared: an answer per request costs no allocation.
    private static readonly RelayVerdict LocalDelivery = RelayVerdict.Allow("local delivery is not relaying");
    // A refused address is not relaying: the verdict allows, and the result itself carries the refusal.
    private static readonly RelayVerdict NothingRelayed = RelayVerdict.Allow("rejected: nothing is relayed");
    private static readonly RelayVerdict NothingLeaves = RelayVerdict.Allow("not relaying: nothing leaves the server");
    private static readonly RelayVerdict InternalSource = RelayVerdict.Allow("internal source");
    private static readonly RelayVerdict TrustedSource = RelayVerdict.Allow("trusted source");
    private static readonly RelayVerdict RelayAllGrant = RelayVerdict.Allow("RelayAll: grant");
    private static readonly RelayVerdict RelayGrant = RelayVerdict.Allow("Relay: grant");
    private static readonly RelayVerdict NotSimple = RelayVerdict.Deny("Relay: grant needs a simple address, and the input was not simple");
    private static readonly RelayVerdict NoGrant = RelayVerdict.Deny("untrusted source and no relay grant");

    private readonly RouterState _state;
    private readonly IAccountStore _accounts;
    private readonly LocalDomainRouting _local;
    private readonly IListenerRegistry? _listeners;
    private readonly IDnsResolver? _dns;

    [ImportingConstructor]
    public TableRouter(
        RouterState state,
        IAccountStore accounts,
        [Import(AllowDefault = true)] IListenerRegistry? listeners = null,
        [Import(AllowDefault = true)] IDnsResolver? dns = null)
    {
        _state = state;
        _accounts = accounts;
        _local = new LocalDomainRouting(accounts);
        _listeners = listeners;
        _dns = dns;
    }

    public ValueTask<RouteDecision> RouteAsync(RouteRequest request, CancellationToken cancellationToken = default)
    {
        if (request is null) return RouteSlowAsync(request!, null, default, cancellationToken);
        var context = NewContext(request);
        // The common case completes inline: no async state machine is suspended and nothing is boxed.
        var routing = RouteCoreAsync(context, cancellationToken);
        if (!routing.IsCompletedSuccessfully) return RouteSlowAsync(request, context, routing, cancellationToken);
        var result = routing.Result;
        var verdict = VerdictAsync(context, result, cancellationToken);
        if (!verdict.IsCompletedSuccessfully) return RouteSlowAsync(request, context, routing, cancellationToken, verdict);
        return new(Decide(context, result, verdict.Result));
    }

    /// <summary>ISourceClassifier: from the same snapshot the relay verdict reads (re-read on every configuration change).</summary>
    public bool IsClientAddress(IPAddress? clientIp) => _state.Current.Relay.ClientIps.Contains(clientIp);

    /// <inheritdoc cref="RelaySettings.Classify"/>
    public SourceClass Classify(RequestSource source) => _state.Current.Relay.Classify(source);

    private RoutingContext NewContext(RouteRequest request)
    {
        var source = request.Source;
        var trusted = source.Class == SourceClass.Trusted || source.Internal;
        return new RoutingContext(request, _state.Current, trusted);
    }

    private static RouteDecision Decide(RoutingContext context, RouteResult result, RelayVerdict verdict)
    {
        if (context.Tracing) context.Step("result", null, context.Request.Address, result.Display);
        return new RouteDecision(result, verdict, context.Trace ?? (IReadOnlyList<RouteTraceStep>)[]);
    }

    private async ValueTask<RouteDecision> RouteSlowAsync(
        RouteRequest request, RoutingContext? context, ValueTask<RouteResult> routing, CancellationToken cancellationToken,
        ValueTask<RelayVerdict>? verdictPending = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        context ??= NewContext(request);
        RouteResult result;
        RelayVerdict verdict;
        try
        {
            result = await routing;
            verdict = await (verdictPending ?? VerdictAsync(context, result, cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception)
        {
            // RFC 3463 X.4.3: directory or DNS failure — the client retries later, nothing is lost.
            result = new RouteResult.Reject(RejectReason.TempFailure, "4.4.3", "directory lookup failed; try again later");
            verdict = RelayVerdict.Allow("not relaying: temporary failure");
        }
        return Decide(context, result, verdict);
    }

    private async ValueTask<RouteResult> RouteCoreAsync(RoutingContext context, CancellationToken cancellationToken)
    {
        var input = context.Request.Address;
        if (!RoutingAddress.TryParse(input, out var address, out var error)) return BadSyntax(error);
        context.IsSimple = address!.IsSimple;
        if (context.Tracing) context.Step("normalise", null, input, address.ToString());
        var table = context.Snapshot.Table;
        for (var pass = 1; ; pass++)
        {
            if (pass > MaxPasses)
                return new RouteResult.Reject(RejectReason.Loop, "5.4.6", $"routing loop: more than {MaxPasses} passes");

            // N6 / N7: a bare name, or a literal naming one of our own addresses, is a Main Domain name.
            if (address!.Domain is null && (address.Literal is null || IsOwnAddress(address.Literal)))
            {
                context.MainDomain ??= await _accounts.GetMainDomainAsync(cancellationToken);
                if (context.MainDomain is null)
                    return NotLocal(context.Kind, "a name without a domain needs a Main Domain, and none is configured");
                var before = address.ToString();
                var step = address.Literal is null ? "main domain" : "own address";
                // N7: the Domain that has this IP assigned, else the Main Domain.
                var target = address.Literal is { } own && context.Snapshot.Relay.DomainsByIp is { } byIp
                    && byIp.TryGetValue(own.IsIPv4MappedToIPv6 ? own.MapToIPv4() : own, out var assigned) ? assigned : context.MainDomain;
                address = address.WithDomain(target);
                if (context.Tracing) context.Step(step, null, before, address.ToString());
            }

            var current = address.ToString();
            if (!context.FirstVisit(current))
                return new RouteResult.Reject(RejectReason.Loop, "5.4.6", $"routing loop at {RoutingContext.Show(current)}");

            // §5.2: one record per pass; the first hit wins.
            if (table.Records.Count > 0)
            {
                var (record, next) = await FindRecordAsync(context, table, address, current, cancellationToken);
                if (record is not null)
                {
                    context.Grant(record.Grant);
                    if (record.IsError)
                    {
                        if (context.Tracing) context.Step("record", Describe(record), current, "error", record.Grant);
                        return new RouteResult.Reject(RejectReason.Blocked, "5.7.1", $"address {RoutingContext.Show(current)} is blocked by the Router");
                    }
                    if (record.IsNull)
                    {
                        if (context.Tracing) context.Step("record", Describe(record), current, "null", record.Grant);
                        return new RouteResult.Discard();
                    }
                    if (context.Tracing) context.Step("record", Describe(record), current, next!, record.Grant);
                    if (!RoutingAddress.TryParse(next, out address, out error)) return BadSyntax($"{Describe(record)}: {error}");
                    continue;
                }
            }

            // §6.2: a foreign domain literal (own ones became the Main Domain above).
            // §6.2: no port of its own — the transport's configured default remote port applies.
            if (address.Literal is { } ip) return Remote(context, current, RoutingAddress.LiteralText(ip), ip.ToString(), null, ip, address, "literal");

            var domain = address.Domain!;
            // §6.1: .via — never a mail domain.
            if (ViaHost.IsVia(domain))
            {
                if (!ViaHost.TryParse(domain, out var via, out error))
                    return new RouteResult.Reject(RejectReason.UnknownDomain, "5.1.2", error);
                // §6.1: only a port label names a port; otherwise the transport's default applies.
                return Remote(context, current, via!.Queue, via.Host, via.Port, via.Ip, address, "via");
            }

            // §6.3: a local domain, or an alias of one (replaced by the real name first).
            var real = await _accounts.ResolveDomainAsync(domain, cancellationToken);
            if (real is not null)
            {
                if (real != domain)
                {
                    address = address.WithDomain(real);
                    if (context.Tracing) context.Step("domain alias", $"{domain} = {real}", current, address.ToString());
                    current = address.ToString();
                }
                var (done, result, nextAddress) = await RouteLocalAsync(context, address, real, current, cancellationToken);
                if (done) return result!;
                address = nextAddress;
                continue;
            }

            // §6.4: any other domain with a dot goes to its MX / RFC 3263; without a dot it is unknown.
            if (!domain.Contains('.'))
                return new RouteResult.Reject(RejectReason.UnknownDomain, "5.1.2", $"unknown domain {RoutingContext.Show(domain)}");
            return Remote(context, current, domain, domain, null, null, address, "domain");
        }
    }

    /// <summary>
    /// §6.3 in a local domain: the SDK's one implementation (<see cref="LocalDomainRouting"/>, shared with the kernel's
    /// default router), then Mail to Unknown (§8) for a name no object has.
    /// </summary>
    private async ValueTask<(bool Done, RouteResult? Result, RoutingAddress? Next)> RouteLocalAsync(
        RoutingContext context, RoutingAddress address, string domain, string current, CancellationToken cancellationToken)
    {
        var step = await _local.RouteInDomainAsync(address, domain, context.Kind, cancellationToken);
        if (step.Trace is { } trace)
        {
            context.Grant(trace.Grant);
            if (context.Tracing) context.Step(trace.Step, trace.Record, trace.Before, trace.After, trace.Grant);
        }
        if (step.IsUnknownName && context.Kind == RouteKind.Mail)
            return await MailToUnknownAsync(context, address, domain, current, step.Result!, cancellationToken);
        return step.Result is { } result ? (true, result, null) : (false, null, step.Next);
    }

    /// <summary>router.md §8: the domain's Mail to Unknown setting.</summary>
    private async ValueTask<(bool Done, RouteResult? Result, RoutingAddress? Next)> MailToUnknownAsync(
        RoutingContext context, RoutingAddress address, string domain, string current, RouteResult unknownUser, CancellationToken cancellationToken)
    {
        var setting = (await _accounts.GetSettingAsync(SettingScope.ForDomain(domain), RouterSettingKeys.MailToUnknown, cancellationToken))?.Trim();
        if (string.IsNullOrEmpty(setting) || setting.Equals("Rejected", StringComparison.OrdinalIgnoreCase))
            return (true, unknownUser, null);
        if (setting.Equals("Discarded", StringComparison.OrdinalIgnoreCase))
        {
            if (context.Tracing) context.Step("mail to unknown", setting, current, "discard");
            return (true, new RouteResult.Discard(), null);
        }
        if (setting.Replace(" ", "").Equals("AcceptedAndBounced", StringComparison.OrdinalIgnoreCase))
        {
            if (context.Tracing) context.Step("mail to unknown", setting, current, "bounce");
            return (true, new RouteResult.AcceptAndBounce("5.1.1"), null);
        }
        const string rerouted = "Rerouted:";
        if (setting.StartsWith(rerouted, StringComparison.OrdinalIgnoreCase))
        {
            if (!TryReroute(setting[rerouted.Length..].Trim(), address, out var next, out var error))
                return (true, BadSyntax($"Mail to Unknown of {domain}: {error}"), null);
            // §8: an administrator's reroute carries a Relay: grant (simple inputs only, §9).
            context.Grant("Relay");
            if (context.Tracing) context.Step("mail to unknown", setting, current, next!.ToString(), "Relay");
            return (false, null, next);
        }
        // An unreadable setting must not open anything: treat it as the default.
        return (true, unknownUser, null);
    }

    /// <summary>
    /// §8 "Rerouted to": every <c>*</c> becomes the unknown name as it was written — in its quoted form when it was
    /// quoted — and the produced address goes through N2 and N6–N8 only: a quoted name is never re-parsed for '@' (N3),
    /// so <c>"ghost@far.test"@our.dom</c> with <c>*%our.dom@host.via</c> gives <c>"ghost@far.test"%our.dom@host.via</c>.
    /// </summary>
    private static bool TryReroute(string pattern, RoutingAddress unknown, out RoutingAddress? next, out string error)
    {
        if (!unknown.Quoted) return RoutingAddress.TryParse(pattern.Replace("*", unknown.Local), out next, out error);
        next = null;
        var at = pattern.LastIndexOf('@');
        var localPattern = at < 0 ? pattern : pattern[..at];
        // The pattern is the administrator's: read its shape with a plain stand-in for the name (N2, N6–N8 and the
        // characters of the local part around '*').
        if (!RoutingAddress.TryParse(localPattern.Replace("*", "x") + (at < 0 ? "" : pattern[at..]), out var shape, out error)) return false;
        next = localPattern == "*"
            ? new RoutingAddress(unknown.Local, shape!.Domain, shape.Literal, quoted: true, unknown.IsSimple)
            : new RoutingAddress(localPattern.Replace("*", unknown.LocalText), shape!.Domain, shape.Literal, quoted: false, unknown.IsSimple);
        return true;
    }

    /// <summary>§5.2: the four lookups in order; records hidden by their prefixes and records mapping an address to itself are skipped.</summary>
    private ValueTask<(RouterRecord? Record, string? Next)> FindRecordAsync(
        RoutingContext context, RouterTable table, RoutingAddress address, string current, CancellationToken cancellationToken)
    {
        if (table.HasBareAddressTargets && context.MainDomain is null)
            return FindRecordAfterMainDomainAsync(context, table, address, current, cancellationToken);
        return FindRecordCore(context, table, address, current, cancellationToken);
    }

    private async ValueTask<(RouterRecord? Record, string? Next)> FindRecordAfterMainDomainAsync(
        RoutingContext context, RouterTable table, RoutingAddress address, string current, CancellationToken cancellationToken)
    {
        context.MainDomain ??= await _accounts.GetMainDomainAsync(cancellationToken);
        return await FindRecordCore(context, table, address, current, cancellationToken);
    }

    /// <summary>Synchronous unless a wildcard domain key needs the directory to rule out a local domain.</summary>
    private ValueTask<(RouterRecord? Record, string? Next)> FindRecordCore(
        RoutingContext context, RouterTable table, RoutingAddress address, string current, CancellationToken cancellationToken)
    {
        var domainText = address.DomainText!;
        if (table.HasAddressKeys)
        {
            // Unquoted, the current text is exactly local@domain: no new string.
            var matchText = address.Quoted ? address.Local + "@" + domainText : current;
            var lowerMatch = matchText.ToLowerInvariant();
            foreach (var record in table.ExactAddress(lowerMatch))
            {
                if (Try(context, record, address, matchText, current) is { } next) return new((record, next));
            }
            if (table.HasWildcardAddress)
            {
                var candidates = context.Candidates;
                candidates.Clear();
                table.WildcardAddress(lowerMatch, candidates);
                if (candidates.Count > 1) candidates.Sort(ByLine);
                foreach (var record in candidates)
                {
                    if (Try(context, record, address, matchText, current) is { } next) return new((record, next));
                }
            }
        }
        foreach (var record in table.ExactDomain(domainText))
        {
            if (Try(context, record, address, domainText, current) is { } next) return new((record, next));
        }
        // §5.2 step 4: a wildcard domain key never applies to a literal, a .via domain, or a local domain or alias.
        if (table.HasWildcardDomain && address.Literal is null && !ViaHost.IsVia(domainText))
        {
            var candidates = context.Candidates;
            candidates.Clear();
            table.WildcardDomain(domainText, candidates);
            if (candidates.Count > 0)
            {
                var pending = _accounts.ResolveDomainAsync(domainText, cancellationToken);
                if (!pending.IsCompletedSuccessfully) return WildcardDomainAsync(context, address, domainText, current, pending);
                return new(WildcardDomain(context, address, domainText, current, pending.Result));
            }
        }
        return new((null, null));
    }

    private static async ValueTask<(RouterRecord? Record, string? Next)> WildcardDomainAsync(
        RoutingContext context, RoutingAddress address, string domainText, string current, Task<string?> pending) =>
        WildcardDomain(context, address, domainText, current, await pending);

    private static (RouterRecord? Record, string? Next) WildcardDomain(
        RoutingContext context, RoutingAddress address, string domainText, string current, string? local)
    {
        if (local is not null) return (null, null);
        var candidates = context.Candidates;
        if (candidates.Count > 1) candidates.Sort(ByLine);
        foreach (var record in candidates)
        {
            if (Try(context, record, address, domainText, current) is { } next) return (record, next);
        }
        return (null, null);
    }

    private static readonly Comparison<RouterRecord> ByLine = (a, b) => a.Line.CompareTo(b.Line);

    /// <summary>The address a visible record produces, or null when it is hidden or would map the address to itself.</summary>
    private static string? Try(RoutingContext context, RouterRecord record, RoutingAddress address, string matched, string current)
    {
        if (!Visible(context, record)) return null;
        if (record.IsError || record.IsNull) return record.Right;
        var right = record.Right;
        if (record.IsWildcard)
        {
            var capture = matched.Substring(record.Star, matched.Length - record.Star - record.Suffix.Length);
            right = right.Replace("*", capture);
        }
        string next;
        if (record.AddressLevel)
        {
            // §4.3: a right side without '@' is a name in the Main Domain; N6 adds it on the next pass.
            next = right;
        }
        else
        {
            // §4.4: a bare word replaces the domain; L2@D2 keeps the old local part and appends L2 after a '%'.
            var at = right.IndexOf('@');
            next = at < 0 ? address.LocalText + "@" + right : JoinPercent(address.LocalText, right, at);
        }
        // §5.2: a record whose result is the very address it was applied to counts as not matching.
        var completed = next.Contains('@') || context.MainDomain is null ? next : next + "@" + context.MainDomain;
        return completed.Equals(current, StringComparison.OrdinalIgnoreCase) ? null : next;
    }

    /// <summary><c>local%L2@D2</c> from <c>local</c> and <c>L2@D2</c> (the '@' at <paramref name="at"/>), in one allocation.</summary>
    private static string JoinPercent(string local, string right, int at) =>
        string.Create(local.Length + 1 + right.Length, (local, right, at), static (span, state) =>
        {
            state.local.CopyTo(span);
            span[state.local.Length] = '%';
            var rest = span[(state.local.Length + 1)..];
            state.right.AsSpan(0, state.at).CopyTo(rest);
            rest[state.at] = '@';
            state.right.AsSpan(state.at + 1).CopyTo(rest[(state.at + 1)..]);
        });

    /// <summary>§4.1 kind prefixes and §4.2 relay prefixes (ignored for logins).</summary>
    private static bool Visible(RoutingContext context, RouterRecord record)
    {
        var kind = context.Kind;
        var fits = record.Kind switch
        {
            KindPrefix.None => true,
            KindPrefix.Mail => kind == RouteKind.Mail,
            KindPrefix.Signal => kind == RouteKind.Signal,
            KindPrefix.Call => kind == RouteKind.Signal && context.Request.IsDialogCreating,
            KindPrefix.Access => kind is RouteKind.Access or RouteKind.Http,
            KindPrefix.Http => kind == RouteKind.Http,
            _ => false,
        };
        if (!fits) return false;
        if (record.Relay == RelayPrefix.NoRelay && !context.Trusted && kind is RouteKind.Mail or RouteKind.Signal) return false;
        return true;
    }

    /// <summary>§6.1 / §6.2 / §6.4: a Remote result; for logins every remote result means "no such account".</summary>
    private static RouteResult Remote(RoutingContext context, string current, string queue, string host, int? port, IPAddress? ip, RoutingAddress address, string step)
    {
        if (context.Kind is RouteKind.Access or RouteKind.Http)
            return new RouteResult.Reject(RejectReason.UnknownUser, "5.1.1", $"no such account: {RoutingContext.Show(current)} is not local");
        // §6.1/§6.2: at a .via host or a literal the last '%' of the local part becomes '@'; without one the recipient
        // is local@host (local@[ip]). §6.4: at any other domain the local part is handed on as it is (E12).
        string recipient;
        if (step != "domain" && !address.Quoted && address.Local.LastIndexOf('%') is var percent and >= 0)
            recipient = address.Local[..percent] + "@" + address.Local[(percent + 1)..];
        else
            recipient = address.LocalText + "@" + (ip is not null ? RoutingAddress.LiteralText(ip) : host);
        var signal = context.Kind == RouteKind.Signal;
        if (signal) recipient = "sip:" + recipient;
        var held = context.Snapshot.Relay.IsHeld(queue);
        var result = new RouteResult.Remote(
            signal ? "SIP" : "SMTP", queue, host, port, ip is not null, port is not null || ip is not null, recipient, held);
        if (context.Tracing) context.Step(step, null, current, result.Display);
        return result;
    }

    /// <summary>router.md §9 with the SMTP extras of smtp.md §5.2–§5.3.</summary>
    private async ValueTask<RelayVerdict> VerdictAsync(RoutingContext context, RouteResult result, CancellationToken cancellationToken)
    {
        if (result is not RouteResult.Remote remote)
        {
            return result switch
            {
                RouteResult.Local or RouteResult.Group or RouteResult.MailingList => LocalDelivery,
                RouteResult.Reject => NothingRelayed,
                _ => NothingLeaves,
            };
        }
        var source = context.Request.Source;
        if (source.Internal) return InternalSource;
        AccountAddress? relayOff = null;
        if (context.Trusted)
        {
            // smtp.md §5.1: AUTH makes a session Trusted only while the account's "Relay" service is on (default on);
            // with it off the session is judged as if it had not authenticated (its address may still be trusted).
            if (source.AuthenticatedAccount is not { } account) return TrustedSource;
            if (await RelayServiceOnAsync(account, cancellationToken)) return RelayVerdict.Allow($"authenticated as {account}");
            if (context.Snapshot.Relay.Classify(source with { AuthenticatedAccount = null }) == SourceClass.Trusted) return TrustedSource;
            relayOff = account;
        }
        if (context.RelayAllGrant) return RelayAllGrant;
        if (context.IsSimple)
        {
            if (context.RelayGrant) return RelayGrant;
            var relay = context.Snapshot.Relay;
            if (remote.Held) return RelayVerdict.Allow($"queue {remote.Queue} is on the Hold Mail for Domains list");
            if (context.Kind == RouteKind.Mail && relay.RelayToHostsWeBackup && !remote.SkipMxSrv && await WeBackupAsync(remote.Host, cancellationToken))
                return RelayVerdict.Allow($"we are a backup MX of {remote.Host}");
        }
        // smtp.md §5.3 Relay to Client IP Addresses if sent to: "any" for every input, "simple" for simple inputs.
        var toClients = context.Snapshot.Relay.RelayToClientIps;
        if (context.Kind == RouteKind.Mail && (toClients == "any" || (toClients == "simple" && context.IsSimple))
            && await BestHostIsClientAsync(remote, context.Snapshot.Relay.ClientIps, cancellationToken))
            return RelayVerdict.Allow($"{remote.Host} is in the Client IP Addresses list");
        if (context.RelayGrant && !context.IsSimple) return NotSimple;
        return relayOff is null ? NoGrant : RelayVerdict.Deny($"authenticated as {relayOff}, whose Relay service is off, and no relay grant");
    }

    /// <summary>The account's "Relay" service (account → template → domain → server; default on).</summary>
    private async ValueTask<bool> RelayServiceOnAsync(AccountAddress account, CancellationToken cancellationToken) =>
        !bool.TryParse((await _accounts.GetSettingAsync(SettingScope.ForAccount(account), RouterSettingKeys.RelayService, cancellationToken))?.Trim(), out var on) || on;

    /// <summary>smtp.md §5.3 Relay to All Hosts We Backup: one MX is us, and some MX has a strictly better preference.</summary>
    private async Task<bool> WeBackupAsync(string domain, CancellationToken cancellationToken)
    {
        if (_dns is null) return false;
        var mx = await _dns.ResolveMxAsync(domain, cancellationToken);
        if (mx.Status != DnsStatus.Ok || mx.Records.Count == 0) return false;
        int? ours = null;
        foreach (var record in mx.Records)
        {
            var addresses = await _dns.ResolveAddressesAsync(record.Exchange, cancellationToken);
            if (addresses.Records.Any(IsOwnAddress)) ours = Math.Min(ours ?? int.MaxValue, record.Preference);
        }
        return ours is { } preference && mx.Records.Any(r => r.Preference < preference);
    }

    /// <summary>The best host of the route resolves only to Client IP addresses (an IP literal is its own address).</summary>
    private async Task<bool> BestHostIsClientAsync(RouteResult.Remote remote, NetworkList clients, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(remote.Host, out var literal)) return clients.Contains(literal);
        if (_dns is null) return false;
        var host = remote.Host;
        if (!remote.SkipMxSrv)
        {
            var mx = await _dns.ResolveMxAsync(host, cancellationToken);
            if (mx.Status == DnsStatus.Ok && mx.Records.Count > 0) host = mx.Records.MinBy(r => r.Preference)!.Exchange;
        }
        var addresses = await _dns.ResolveAddressesAsync(host, cancellationToken);
        return addresses.Status == DnsStatus.Ok && addresses.Records.Count > 0 && addresses.Records.All(clients.Contains);
    }

    private bool IsOwnAddress(IPAddress ip)
    {
        // router.md §2.2 N7 is the listener registry's rule (the one implementation); without a registry (a bare
        // test harness) only 127.0.0.1 and ::1 are ours — never the rest of 127.0.0.0/8.
        if (_listeners is not null) return _listeners.IsOwnAddress(ip);
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        return ip.Equals(IPAddress.Loopback) || ip.Equals(IPAddress.IPv6Loopback);
    }

    private static string Describe(RouterRecord record) => $"line {record.Line}: {record.Text}";

    private static RouteResult NotLocal(RouteKind kind, string text) => kind is RouteKind.Access or RouteKind.Http
        ? new RouteResult.Reject(RejectReason.UnknownUser, "5.1.1", "no such account: " + text)
        : new RouteResult.Reject(RejectReason.UnknownDomain, "5.1.2", text);


    private static RouteResult.Reject BadSyntax(string error) => new(RejectReason.BadSyntax, "5.1.3", $"bad address syntax: {error}");
}
