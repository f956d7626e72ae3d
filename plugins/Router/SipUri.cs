namespace Router;

/// <summary>
/// <c>kernel route test --kind signal</c> takes what a SIP request carries: <c>sip:alice@domain.dom;transport=tcp</c>,
/// <c>&lt;sips:bob@x.dom&gt;</c>. The address is the userinfo@host part (RFC 3261 §19.1.1); URI parameters and headers
/// are not part of it. Anything else is passed on unchanged.
/// </summary>
internal static class SipUri
{
    public static string AddressOf(string text)
    {
        var uri = text.Trim();
        if (uri.StartsWith('<') && uri.EndsWith('>')) uri = uri[1..^1].Trim();
        string? rest = null;
        foreach (var scheme in new[] { "sip:", "sips:" })
        {
            if (uri.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) rest = uri[scheme.Length..];
        }
        if (rest is null) return text;
        // Parameters (';') and headers ('?') follow the host; a ';' before the '@' belongs to the user part (RFC 3261 §19.1.1).
        var at = rest.LastIndexOf('@');
        var end = rest.IndexOfAny([';', '?'], at < 0 ? 0 : at);
        return end < 0 ? rest : rest[..end];
    }
}
