using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kernel.Abstractions;

/// <summary>
/// An address after the syntactic steps of router.md §2.2 (N1–N5, N7's reading of literals, N8): angle brackets and a
/// trailing dot stripped, the domain lower-cased, a quoted local part unquoted and kept opaque (N3), source routes and
/// bang paths rewritten to the percent form (§2.1). <see cref="Domain"/> is null for a bare name (N6 applies later);
/// <see cref="Literal"/> is set for <c>[a.b.c.d]</c>, <c>[IPv6:…]</c> or a bare dotted quad.
/// <see cref="IsSimple"/> is §2.3's "simple" for the text as given.
/// In the SDK so the kernel's default router and the Router plugin read addresses with one parser.
/// </summary>
public sealed record RoutingAddress
{
    /// <summary>RFC 5321 §4.5.3.1.3 caps a path at 256 octets; anything much longer is refused before parsing.</summary>
    public const int MaxLength = 512;

    private readonly string _text;

    /// <summary>
    /// An address whose parts are already normalised. <paramref name="local"/> is the unquoted content when
    /// <paramref name="quoted"/>; otherwise the local part exactly as it is written on the wire (a produced address may
    /// hold a quoted segment, router.md §8: <c>"ghost@far.test"%our.dom</c>).
    /// </summary>
    public RoutingAddress(string local, string? domain, IPAddress? literal, bool quoted, bool isSimple)
    {
        Local = local;
        Domain = domain;
        Literal = literal;
        Quoted = quoted;
        IsSimple = isSimple;
        // Fixed at construction (get-only properties, no `with`): every pass compares and looks up this text, and two
        // equal addresses stay equal whichever of them was printed first.
        var localText = quoted ? Quote(local) : local;
        var domainText = literal is not null ? LiteralText(literal) : domain;
        _text = domainText is null ? localText : string.Concat(localText, "@", domainText);
    }

    public string Local { get; }

    /// <summary>The lower-cased domain name; null for a bare name (N6 applies later) or a literal.</summary>
    public string? Domain { get; }

    /// <summary>Set for <c>[a.b.c.d]</c>, <c>[IPv6:…]</c> or a bare dotted quad (N7).</summary>
    public IPAddress? Literal { get; }

    public bool Quoted { get; }

    /// <summary>§2.3's "simple", decided on the input as the client sent it.</summary>
    public bool IsSimple { get; }

    /// <summary>The domain as a table key sees it: the name, or the literal in brackets.</summary>
    public string? DomainText => Literal is not null ? LiteralText(Literal) : Domain;

    public string LocalText => Quoted ? Quote(Local) : Local;

    public override string ToString() => _text;

    public RoutingAddress WithDomain(string domain) => new(Local, domain, null, Quoted, IsSimple);

    public static string LiteralText(IPAddress ip) =>
        ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[IPv6:{ip}]" : $"[{ip}]";

    public static bool TryParse(string? text, out RoutingAddress? address, out string error)
    {
        address = null;
        error = "";
        if (string.IsNullOrEmpty(text)) return Fail("empty address", out error);
        if (text.Length > MaxLength) return Fail($"address longer than {MaxLength} characters", out error);
        foreach (var c in text)
        {
            if (char.IsControl(c)) return Fail("control character in address", out error);
        }
        var s = text.Trim(' ');
        // N1: one pair of enclosing angle brackets.
        if (s.StartsWith('<'))
        {
            if (!s.EndsWith('>') || s.Length < 2) return Fail("unbalanced '<'", out error);
            s = s[1..^1];
        }
        if (s.Length == 0) return Fail("empty address", out error);
        // N4: RFC 5321 source route <@h1,@h2:user@final> → user%final%h2@h1 (router.md §2.1). Never simple (§2.3).
        if (s.StartsWith('@')) return TryParseSourceRoute(s, out address, out error);
        if (s.StartsWith('"')) return TryParseQuoted(s, out address, out error);
        var at = s.LastIndexOf('@');
        if (at < 0)
        {
            // N4: a UUCP bang path hop!final!user (only without '@') → user%final@hop.
            if (s.Contains('!')) return TryParseBangPath(s, out address, out error);
            if (!IsLocalPart(s)) return Fail("bad characters in local part", out error);
            address = new RoutingAddress(s, null, null, false, !s.Contains('%'));
            return true;
        }
        var local = s[..at];
        // N5: an unquoted local part that itself holds '@' is a syntax error.
        if (local.Contains('@')) return Fail("'@' in an unquoted local part", out error);
        if (local.Length == 0) return Fail("empty local part", out error);
        if (!IsLocalPart(local)) return Fail("bad characters in local part", out error);
        return TryParseDomain(s[(at + 1)..], local, false, !local.Contains('%'), out address, out error);
    }

    private static bool TryParseSourceRoute(string s, out RoutingAddress? address, out string error)
    {
        address = null;
        var colon = s.IndexOf(':');
        if (colon < 0) return Fail("source route without ':'", out error);
        var hops = s[..colon].Split(',');
        var mailbox = s[(colon + 1)..];
        var hopDomains = new List<string>(hops.Length);
        foreach (var hop in hops)
        {
            var name = hop.Trim();
            if (!name.StartsWith('@') || !TryNormaliseHost(name[1..], out var host)) return Fail("bad host in source route", out error);
            hopDomains.Add(host);
        }
        var at = mailbox.LastIndexOf('@');
        if (at <= 0 || mailbox.StartsWith('"')) return Fail("source route without a plain mailbox", out error);
        var user = mailbox[..at];
        if (user.Contains('@') || !IsLocalPart(user) || !TryNormaliseHost(mailbox[(at + 1)..], out var final))
            return Fail("bad mailbox in source route", out error);
        var local = new StringBuilder(user).Append('%').Append(final);
        for (var i = hopDomains.Count - 1; i >= 1; i--) local.Append('%').Append(hopDomains[i]);
        return TryParseDomain(hopDomains[0], local.ToString(), false, false, out address, out error);
    }

    private static bool TryParseBangPath(string s, out RoutingAddress? address, out string error)
    {
        address = null;
        var parts = s.Split('!');
        if (parts.Length < 2 || parts[^1].Length == 0 || !IsLocalPart(parts[^1])) return Fail("bad bang path", out error);
        var local = new StringBuilder(parts[^1]);
        for (var i = parts.Length - 2; i >= 1; i--)
        {
            if (!TryNormaliseHost(parts[i], out var hop)) return Fail("bad host in bang path", out error);
            local.Append('%').Append(hop);
        }
        return TryParseDomain(parts[0], local.ToString(), false, false, out address, out error);
    }

    /// <summary>N3: a quoted local part is one opaque name; quotes and backslash escapes are removed.</summary>
    private static bool TryParseQuoted(string s, out RoutingAddress? address, out string error)
    {
        address = null;
        var content = new StringBuilder();
        var i = 1;
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '\\')
            {
                if (++i == s.Length) return Fail("unterminated quoted local part", out error);
                content.Append(s[i]);
            }
            else if (c == '"')
            {
                break;
            }
            else
            {
                content.Append(c);
            }
        }
        if (i >= s.Length) return Fail("unterminated quoted local part", out error);
        if (content.Length == 0) return Fail("empty local part", out error);
        var name = content.ToString();
        // §2.3: a quoted local part holding '@', '%' or '!' makes the input not simple.
        var simple = name.IndexOfAny(['@', '%', '!']) < 0;
        var rest = s[(i + 1)..];
        if (rest.Length == 0)
        {
            address = new RoutingAddress(name, null, null, true, simple);
            error = "";
            return true;
        }
        if (!rest.StartsWith('@')) return Fail("text after a quoted local part", out error);
        return TryParseDomain(rest[1..], name, true, simple, out address, out error);
    }

    private static bool TryParseDomain(string domain, string local, bool quoted, bool simple, out RoutingAddress? address, out string error)
    {
        address = null;
        if (domain.EndsWith('.')) domain = domain[..^1];
        if (domain.Length == 0) return Fail("empty domain", out error);
        if (domain.StartsWith('['))
        {
            if (!domain.EndsWith(']') || !TryParseLiteral(domain[1..^1], out var ip)) return Fail("bad domain literal", out error);
            address = new RoutingAddress(local, null, ip, quoted, simple);
            error = "";
            return true;
        }
        // N7: a domain written as a bare dotted quad is read as the literal [a.b.c.d].
        if (TryParseQuad(domain, out var quad))
        {
            address = new RoutingAddress(local, null, quad, quoted, simple);
            error = "";
            return true;
        }
        if (!TryNormaliseHost(domain, out var host)) return Fail("bad domain name", out error);
        address = new RoutingAddress(local, host, null, quoted, simple);
        error = "";
        return true;
    }

    /// <summary>RFC 5321 §4.1.3: <c>a.b.c.d</c> or <c>IPv6:…</c> inside the brackets.</summary>
    public static bool TryParseLiteral(string text, out IPAddress? ip)
    {
        ip = null;
        if (text.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            return !text.Contains('%') && IPAddress.TryParse(text[5..], out ip) && ip.AddressFamily == AddressFamily.InterNetworkV6;
        }
        return TryParseQuad(text, out ip);
    }

    public static bool TryParseQuad(string text, out IPAddress? ip)
    {
        ip = null;
        // Most domains are not quads: decide that without allocating.
        if (text.Length is < 7 or > 15 || text.Count('.') != 3 || text.AsSpan().ContainsAnyExcept("0123456789.")) return false;
        var parts = text.Split('.');
        if (parts.Length != 4) return false;
        Span<byte> bytes = stackalloc byte[4];
        for (var i = 0; i < 4; i++)
        {
            if (parts[i].Length is 0 or > 3 || !parts[i].All(char.IsAsciiDigit)) return false;
            if (!byte.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out bytes[i])) return false;
        }
        ip = new IPAddress(bytes);
        return true;
    }

    private static bool TryNormaliseHost(string text, out string host)
    {
        host = text.EndsWith('.') ? text[..^1].ToLowerInvariant() : text.ToLowerInvariant();
        return IsHostName(host);
    }

    /// <summary>The rule of <see cref="DomainName.IsValid"/> (RFC 1035 §2.3.1 labels), without allocating.</summary>
    private static bool IsHostName(string host)
    {
        if (host.Length is 0 or > DomainName.MaxLength) return false;
        var start = 0;
        for (var i = 0; i <= host.Length; i++)
        {
            if (i < host.Length && host[i] != '.')
            {
                var c = host[i];
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_')) return false;
                continue;
            }
            var length = i - start;
            if (length is 0 or > 63 || host[start] == '-' || host[i - 1] == '-') return false;
            start = i + 1;
        }
        return true;
    }

    /// <summary>RFC 5322 §3.2.3 atext plus '.': what an unquoted local part may hold (non-ASCII allowed, RFC 6531).</summary>
    private static bool IsLocalPart(string local)
    {
        if (local.Length == 0) return false;
        foreach (var c in local)
        {
            if (c <= ' ' || c == 0x7f || c is '(' or ')' or '<' or '>' or '[' or ']' or ':' or ';' or ',' or '\\' or '"') return false;
        }
        return true;
    }

    private static string Quote(string local) => "\"" + local.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static bool Fail(string reason, out string error)
    {
        error = reason;
        return false;
    }
}
