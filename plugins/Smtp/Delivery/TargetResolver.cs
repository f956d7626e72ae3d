using System.Net;
using Kernel.Abstractions;

namespace Smtp.Delivery;

/// <summary>
/// smtp.md §11.2–§11.3: from the Router's <see cref="RouteResult.Remote"/> to the addresses to try. An IP literal needs
/// no DNS; a route with a port takes the host's A/AAAA only; otherwise the MX procedure of RFC 5321 §5.1 (preference
/// order, equal preferences shuffled, implicit MX, null MX of RFC 7505), dropping our own MX and every worse one.
/// A destination is "us" when the address is one of ours and the port one of our SMTP listeners.
/// </summary>
internal sealed class TargetResolver(IDnsResolver dns, IListenerRegistry listeners, Func<int> defaultPort)
{
    public async Task<TargetResolution> ResolveAsync(RouteResult.Remote route, CancellationToken cancellationToken)
    {
        var port = route.Port ?? defaultPort();
        var host = route.Host.Trim().TrimStart('[').TrimEnd(']');
        if (host.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase)) host = host[5..];
        if (IPAddress.TryParse(host, out var literal))
        {
            var target = new DeliveryTarget(literal.ToString(), new IPEndPoint(literal, port));
            return IsUs(target.EndPoint) ? Loop(target) : TargetResolution.To([target]);
        }
        host = host.TrimEnd('.');
        if (route.Port is not null || route.SkipMxSrv)
        {
            // smtp.md §11.2 (2): an explicit port means A/AAAA of the host only, MX is ignored even for port 25.
            var direct = await AddressesAsync(host, port, cancellationToken);
            if (direct.Failure is not null) return direct;
            var ours = direct.Targets.FirstOrDefault(t => IsUs(t.EndPoint));
            return ours is not null ? Loop(ours) : direct;
        }
        return await MxAsync(host, route, port, cancellationToken);
    }

    private async Task<TargetResolution> MxAsync(string domain, RouteResult.Remote route, int port, CancellationToken cancellationToken)
    {
        var mx = await dns.ResolveMxAsync(domain, cancellationToken);
        switch (mx.Status)
        {
            case DnsStatus.NameError:
                return TargetResolution.Permanent("5.1.2", $"domain {domain} does not exist (NXDOMAIN)");
            case DnsStatus.TemporaryFailure:
                return TargetResolution.Temporary("4.4.3", $"DNS failure looking up MX of {domain}");
            case DnsStatus.NoData or DnsStatus.Ok when mx.Records.Count == 0:
                // RFC 5321 §5.1: no MX, the domain itself is the implicit MX.
                var implicitMx = await AddressesAsync(domain, port, cancellationToken);
                if (implicitMx.Failure is not null) return implicitMx;
                var own = implicitMx.Targets.FirstOrDefault(t => IsUs(t.EndPoint));
                return own is not null ? DnsLoop(domain, route) : implicitMx;
        }
        // RFC 7505 §3: a single MX "." of preference 0 says the domain accepts no mail.
        if (mx.Records.Any(r => r.Exchange.TrimEnd('.').Length == 0))
            return TargetResolution.Permanent("5.1.10", $"domain {domain} accepts no mail (null MX, RFC 7505)");

        var ordered = mx.Records
            .GroupBy(r => r.Preference)
            .OrderBy(g => g.Key)
            .SelectMany(g => g.OrderBy(_ => Random.Shared.Next()))
            .ToList();
        var targets = new List<DeliveryTarget>();
        var temporary = false;
        int? ourPreference = null;
        foreach (var record in ordered)
        {
            if (ourPreference is { } cut && record.Preference >= cut) break;
            var exchange = record.Exchange.TrimEnd('.');
            var addresses = await AddressesAsync(exchange, port, cancellationToken);
            if (addresses.Failure is { } failure)
            {
                temporary |= failure.IsTransient;
                continue;
            }
            if (addresses.Targets.Any(t => IsUs(t.EndPoint)))
            {
                // RFC 5321 §5.1: we are this MX; only better ones may be used (this and worse would loop back).
                ourPreference = record.Preference;
                break;
            }
            targets.AddRange(addresses.Targets);
        }
        if (ourPreference is { } mine)
        {
            var better = ordered.Where(r => r.Preference < mine).Select(r => r.Exchange.TrimEnd('.')).ToHashSet(StringComparer.OrdinalIgnoreCase);
            targets = targets.Where(t => better.Contains(t.Host)).ToList();
            if (targets.Count == 0) return DnsLoop(domain, route);
        }
        if (targets.Count > 0) return TargetResolution.To(targets);
        return temporary
            ? TargetResolution.Temporary("4.4.3", $"DNS failure looking up the MX hosts of {domain}")
            : TargetResolution.Permanent("5.4.4", $"no MX host of {domain} has an address");
    }

    private async Task<TargetResolution> AddressesAsync(string host, int port, CancellationToken cancellationToken)
    {
        var answer = await dns.ResolveAddressesAsync(host, cancellationToken);
        return answer.Status switch
        {
            DnsStatus.Ok when answer.Records.Count > 0 => TargetResolution.To(answer.Records.Select(a => new DeliveryTarget(host, new IPEndPoint(a, port))).ToList()),
            DnsStatus.TemporaryFailure => TargetResolution.Temporary("4.4.3", $"DNS failure looking up the address of {host}"),
            DnsStatus.NameError => TargetResolution.Permanent("5.1.2", $"host {host} does not exist (NXDOMAIN)"),
            _ => TargetResolution.Permanent("5.1.2", $"host {host} has no address"),
        };
    }

    /// <summary>smtp.md §11.3: one of our addresses and one of our SMTP listener ports.</summary>
    internal bool IsUs(IPEndPoint endPoint)
    {
        if (!listeners.IsOwnAddress(endPoint.Address)) return false;
        return listeners.Bindings.Any(b => b.EndPoint.Port == endPoint.Port && string.Equals(b.Plugin, "Smtp", StringComparison.OrdinalIgnoreCase));
    }

    private static TargetResolution Loop(DeliveryTarget target) =>
        TargetResolution.Permanent("5.4.6", $"mail loop: {target.EndPoint} is this server");

    /// <summary>smtp.md §11.3: we are the best MX of a domain that is not ours; a held queue keeps its mail (the ATRN case).</summary>
    private static TargetResolution DnsLoop(string domain, RouteResult.Remote route) =>
        route.Held
            ? TargetResolution.Temporary("4.4.6", $"this server is the best MX of {domain}: held until the customer fetches it")
            : TargetResolution.Permanent("5.4.6", $"mail loop: this server is the best MX of {domain}, which is not a local domain");
}
