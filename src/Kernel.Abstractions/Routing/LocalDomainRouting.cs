namespace Kernel.Abstractions;

/// <summary>
/// router.md §6.3, the one implementation of routing an address in a local domain: percent unwrap, object lookup
/// (accounts, aliases, groups, mailing lists, forwarders) and §7's <c>postmaster</c>. The kernel's default router and
/// the Router plugin both take each step from here, so a local address gets the same answer and the same text
/// whichever router is installed; each router keeps its own passes, loop check, trace and grants around it.
/// In the SDK (beside <see cref="RoutingAddress"/>, the one address parser) because a router plugin must run it
/// in-process on every routing without a host service to import. Never throws for bad input; the store's exceptions
/// propagate (a router turns them into its temporary failure).
/// </summary>
public sealed class LocalDomainRouting(IAccountStore accounts)
{
    private const int ShownLength = 256;

    /// <summary>
    /// One §6.3 step for <paramref name="address"/> in the local domain <paramref name="domain"/> (the real name: a
    /// domain alias is already replaced). Either a final <see cref="LocalRouteStep.Result"/> or a
    /// <see cref="LocalRouteStep.Next"/> address for a new pass.
    /// </summary>
    public async ValueTask<LocalRouteStep> RouteInDomainAsync(RoutingAddress address, string domain, RouteKind kind, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentException.ThrowIfNullOrEmpty(domain);
        var current = address.WithDomain(domain).ToString();

        // Step 1: cut the local domain, the last '%' becomes '@', new pass (a quoted name is never re-parsed, §2.2 N3).
        if (!address.Quoted && address.Local.LastIndexOf('%') is var percent and >= 0)
        {
            var unwrapped = address.Local[..percent] + "@" + address.Local[(percent + 1)..];
            return RoutingAddress.TryParse(unwrapped, out var next, out var error)
                ? LocalRouteStep.Continue(next!, new RouteTraceStep("percent", null, current, next!.ToString()))
                : LocalRouteStep.Final(BadSyntax(error));
        }

        // Step 2: object lookup, case-insensitive; anything that is not an object name cannot be one. N3: the quotes
        // are removed for lookup, so "alice"@d is alice's.
        var found = ObjectName.IsValid(address.Local)
            ? await accounts.FindObjectAsync(new AccountAddress(address.Local, domain), cancellationToken)
            : null;
        if (found is null)
        {
            // §7 / RFC 5321 §4.5.1: postmaster of any local domain reaches the Main Domain's postmaster.
            if (address.Local.Equals("postmaster", StringComparison.OrdinalIgnoreCase)
                && await accounts.GetMainDomainAsync(cancellationToken) is { } main && main != domain)
            {
                var next = new RoutingAddress("postmaster", main, null, false, true);
                return LocalRouteStep.Continue(next, new RouteTraceStep("postmaster", null, current, next.ToString()));
            }
            return LocalRouteStep.Unknown(UnknownUser(current));
        }

        switch (found.Kind)
        {
            case DirectoryObjectKind.Account:
                return LocalRouteStep.Final(new RouteResult.Local(found.Address), new RouteTraceStep("object", "account", current, found.Address.ToString()));
            case DirectoryObjectKind.Alias when found.Target is { } target && AccountAddress.TryParse(target, domain, out var account):
                return LocalRouteStep.Final(new RouteResult.Local(account!), new RouteTraceStep("object", "alias", current, account!.ToString()));
            case DirectoryObjectKind.Group or DirectoryObjectKind.MailingList:
                var label = found.Kind == DirectoryObjectKind.Group ? "group" : "mailing list";
                var trace = new RouteTraceStep("object", label, current, found.Address.ToString());
                // router.md §13.8: groups and lists are not routable for signals or logins in v1.
                if (kind != RouteKind.Mail)
                    return LocalRouteStep.Final(new RouteResult.Reject(RejectReason.UnknownUser, "5.1.1", $"{found.Address} is a {label}, not an account"), trace);
                return LocalRouteStep.Final(found.Kind == DirectoryObjectKind.Group ? new RouteResult.Group(found.Address) : new RouteResult.MailingList(found.Address), trace);
            case DirectoryObjectKind.Forwarder when found.Target is { } target:
                // A forwarder cannot log in; for mail and signals it is a new pass carrying a Relay: grant.
                if (kind is RouteKind.Access or RouteKind.Http)
                    return LocalRouteStep.Final(new RouteResult.Reject(RejectReason.UnknownUser, "5.1.1", $"{found.Address} is a forwarder, not an account"));
                return RoutingAddress.TryParse(target, out var forwarded, out var error)
                    ? LocalRouteStep.Continue(forwarded!, new RouteTraceStep("object", "forwarder", current, forwarded!.ToString(), "Relay"))
                    : LocalRouteStep.Final(BadSyntax($"forwarder {found.Address}: {error}"));
            default:
                return LocalRouteStep.Unknown(UnknownUser(current));
        }
    }

    private static RouteResult.Reject UnknownUser(string current) => new(RejectReason.UnknownUser, "5.1.1", $"unknown user {Show(current)}");

    private static RouteResult.Reject BadSyntax(string error) => new(RejectReason.BadSyntax, "5.1.3", $"bad address syntax: {error}");

    private static string Show(string text) => text.Length <= ShownLength ? text : text[..ShownLength] + "…";
}
