using System.Net;
using Kernel.Abstractions;

namespace Router;

/// <summary>
/// A <c>.via</c> / <c>._via</c> domain taken apart (router.md §6.1): the host to contact, an optional port, and the
/// queue name (the domain without its suffix, port label kept).
/// </summary>
internal sealed record ViaHost(string Queue, string Host, int? Port, IPAddress? Ip)
{
    public static bool IsVia(string domain) =>
        domain.EndsWith(".via", StringComparison.OrdinalIgnoreCase) || domain.EndsWith("._via", StringComparison.OrdinalIgnoreCase);

    /// <summary>False with a reason for a bad port or a numeric name that is neither a quad nor host+port.</summary>
    public static bool TryParse(string domain, out ViaHost? via, out string error)
    {
        via = null;
        error = "";
        var suffix = domain.EndsWith("._via", StringComparison.OrdinalIgnoreCase) ? 5 : 4;
        var queue = domain[..^suffix];
        var lastDot = queue.LastIndexOf('.');
        var lastLabel = queue.AsSpan(lastDot + 1);
        if (lastLabel.Length > 0 && lastLabel.ContainsAnyExcept("0123456789") && !queue.StartsWith('.') && !queue.Contains(".."))
        {
            // The common case, a host name whose last label is not numeric: no port, nothing to split.
            via = new ViaHost(queue, queue, null, null);
            return true;
        }
        if (lastDot > 0 && lastLabel.Length is > 0 and <= 5 && !lastLabel.ContainsAnyExcept("0123456789") && !queue.StartsWith('.')
            && !queue.Contains("..") && int.TryParse(lastLabel, out var fastPort) && fastPort is >= 1 and <= 65535)
        {
            // host.port with a host whose last label is not numeric (so not a quad): no split needed.
            var previous = queue.AsSpan(0, lastDot);
            var hostLabel = previous[(previous.LastIndexOf('.') + 1)..];
            if (hostLabel.ContainsAnyExcept("0123456789"))
            {
                via = new ViaHost(queue, queue[..lastDot], fastPort, null);
                return true;
            }
        }
        var labels = queue.Split('.');
        if (queue.Length == 0 || labels.Any(l => l.Length == 0)) return Fail("empty host before .via", out error);
        var last = labels[^1];
        if (!last.All(char.IsAsciiDigit))
        {
            via = new ViaHost(queue, queue, null, null);
            return true;
        }
        // Four numeric labels without a fifth: an IPv4 host, no port.
        if (labels.Length == 4 && RoutingAddress.TryParseQuad(queue, out var quad))
        {
            via = new ViaHost(queue, queue, null, quad);
            return true;
        }
        var host = string.Join('.', labels[..^1]);
        if (last.Length > 5 || !int.TryParse(last, out var port) || port is < 1 or > 65535)
            return Fail($"port {Shorten(last)} outside 1-65535 in {Shorten(domain)}", out error);
        if (labels.Length == 5 && RoutingAddress.TryParseQuad(host, out var ip))
        {
            via = new ViaHost(queue, host, port, ip);
            return true;
        }
        if (labels.Length >= 2 && !labels[^2].All(char.IsAsciiDigit))
        {
            via = new ViaHost(queue, host, port, null);
            return true;
        }
        return Fail($"{Shorten(domain)} is neither host.port.via nor a.b.c.d[.port].via", out error);
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";

    private static bool Fail(string reason, out string error)
    {
        error = reason;
        return false;
    }
}
