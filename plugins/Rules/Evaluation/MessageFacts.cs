using Kernel.Abstractions;
using MimeKit;
using MimeKit.Utils;

namespace Rules;

/// <summary>
/// What the conditions read from one message (rules.md §4, §5), parsed once and on demand: header fields (with the
/// ones <c>Add Header</c> put in front), bare addresses, decoded texts, the envelope and the source.
/// </summary>
internal sealed class MessageFacts
{
    private readonly List<KeyValuePair<string, string>> _headers;
    private readonly Dictionary<string, IReadOnlyList<string>> _addresses = new(StringComparer.OrdinalIgnoreCase);

    public MessageFacts(RuleInput input)
    {
        Envelope = input.Envelope;
        Size = input.Size;
        _headers = input.Headers.Select(h => new KeyValuePair<string, string>(h.Key.Trim(), h.Value.Trim())).ToList();
    }

    public Envelope Envelope { get; }

    public long Size { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers => _headers;

    /// <summary>The envelope sender as a bare address; <c>&lt;&gt;</c> is the empty string (§4).</summary>
    public string ReturnPath => Envelope.Sender.Trim().Trim('<', '>');

    /// <summary>The raw values of a field, in order.</summary>
    public IEnumerable<string> Raw(string name) => _headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

    public string? First(string name) => Raw(name).Select(v => (string?)v).FirstOrDefault();

    /// <summary>A field's values with RFC 2047 encoded words decoded.</summary>
    public IEnumerable<string> Decoded(string name) => Raw(name).Select(Decode);

    public static string Decode(string raw) => raw.Contains("=?", StringComparison.Ordinal) ? Rfc2047.DecodeText(System.Text.Encoding.UTF8.GetBytes(raw)) : raw;

    /// <summary>Every bare <c>local@domain</c> of every occurrence of an address field (§4: no display names, no brackets).</summary>
    public IReadOnlyList<string> Addresses(string name)
    {
        if (_addresses.TryGetValue(name, out var cached)) return cached;
        var list = new List<string>();
        foreach (var value in Raw(name))
        {
            if (InternetAddressList.TryParse(value, out var parsed)) list.AddRange(parsed.Mailboxes.Select(m => m.Address));
            else list.Add(value.Trim().Trim('<', '>'));
        }
        return _addresses[name] = list;
    }

    private readonly Dictionary<(DataKind, string), IReadOnlyList<string>> _values = [];

    /// <summary>The values a plain condition compares (§4), computed once per message and data name.</summary>
    public IReadOnlyList<string> Values(DataKind kind, string name)
    {
        if (_values.TryGetValue((kind, name), out var cached)) return cached;
        IReadOnlyList<string> values = kind switch
        {
            DataKind.FirstAddress => Addresses(name).Take(1).ToArray(),
            DataKind.AllAddresses => Addresses(name),
            DataKind.ReturnPath => [ReturnPath],
            DataKind.FromName => FromName() is { } display ? [display] : [],
            DataKind.DecodedHeader => Decoded(name).Take(1).ToArray(),
            DataKind.HeaderField => Decoded(name).ToArray(),
            DataKind.Source => [Source],
            DataKind.SubmitAddress => [SubmitAddress],
            DataKind.Security => [Security],
            _ => [],
        };
        return _values[(kind, name)] = values;
    }

    private readonly Dictionary<(DataKind, string), string[]> _folded = [];

    /// <summary>
    /// The values a condition of this kind compares, ASCII-folded (§4), computed once per message and field however
    /// many rules test them: Any/Each To or Cc read all To and Cc addresses, Any/Each Recipient the envelope recipients.
    /// </summary>
    public string[] Folded(DataKind kind, string name)
    {
        var key = kind switch
        {
            DataKind.AnyToCc or DataKind.EachToCc => (DataKind.AnyToCc, ""),
            DataKind.AnyRecipient or DataKind.EachRecipient => (DataKind.AnyRecipient, ""),
            _ => (kind, name),
        };
        if (_folded.TryGetValue(key, out var cached)) return cached;
        var values = key.Item1 switch
        {
            DataKind.AnyToCc => ToAndCc,
            DataKind.AnyRecipient => Recipients,
            _ => Values(kind, name),
        };
        return _folded[key] = AsciiFold.Fold(values);
    }

    /// <summary>Counts the header edits made by actions: a rule index read before an edit may be stale after it.</summary>
    public int Edits { get; private set; }

    /// <summary>Every address of all To and Cc fields (Any/Each To or Cc).</summary>
    public IReadOnlyList<string> ToAndCc => _toAndCc ??= Addresses("To").Concat(Addresses("Cc")).ToList();

    private IReadOnlyList<string>? _toAndCc;

    /// <summary>The display name of the first From mailbox, decoded; null when there is no From.</summary>
    public string? FromName()
    {
        var from = First("From");
        if (from is null) return null;
        return InternetAddressList.TryParse(from, out var parsed) && parsed.Mailboxes.FirstOrDefault() is { } m ? m.Name ?? "" : "";
    }

    /// <summary>
    /// Envelope recipients as the client gave them, normalised (§5): no angle brackets, no source route
    /// (RFC 5321 §4.1.2 <c>@a,@b:user@d</c>), the domain lower-cased.
    /// </summary>
    public IReadOnlyList<string> Recipients => _recipients ??= Envelope.Recipients.Select(r => NormaliseRecipient(r.Address)).ToList();

    private IReadOnlyList<string>? _recipients;

    public static string NormaliseRecipient(string address)
    {
        var a = address.Trim().Trim('<', '>');
        if (a.StartsWith('@') && a.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon) a = a[(colon + 1)..];
        var at = a.LastIndexOf('@');
        return at > 0 ? a[..at] + "@" + a[(at + 1)..].ToLowerInvariant() : a;
    }

    /// <summary>rules.md §5.1 (RFC 3834 §2 advice): false when the message looks automatic.</summary>
    public bool HumanGenerated => _human ??= IsHumanGenerated();

    private bool? _human;

    private bool IsHumanGenerated()
    {
        {
            if (ReturnPath.Length == 0) return false;
            if (First("Auto-Submitted") is { } auto && !auto.Trim().StartsWith("no", StringComparison.OrdinalIgnoreCase)) return false;
            if (First("Precedence")?.Trim().ToLowerInvariant() is "bulk" or "junk" or "list") return false;
            if (Raw("List-Id").Any() || Raw("List-Post").Any() || Raw("List-Unsubscribe").Any()) return false;
            var from = Addresses("From").FirstOrDefault() ?? "";
            var local = from.Contains('@', StringComparison.Ordinal) ? from[..from.LastIndexOf('@')].ToLowerInvariant() : from.ToLowerInvariant();
            return local is not ("mailer-daemon" or "postmaster" or "listserv") && !local.StartsWith("owner-", StringComparison.Ordinal);
        }
    }

    /// <summary>§5 Source: authenticated, client (trusted network), internal (kernel-made) or remote.</summary>
    public string Source => Envelope.Source switch
    {
        null => "internal",
        { Internal: true } => "internal",
        { AuthenticatedAccount: not null } => "authenticated",
        { Class: SourceClass.Trusted } => "client",
        _ => "remote",
    };

    /// <summary>§5 Submit Address: <c>[a.b.c.d]</c> or <c>[IPv6:…]</c>; empty for internal submissions.</summary>
    public string SubmitAddress => Envelope.Source?.ClientIp is { } ip && !Envelope.Source.Internal
        ? ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !ip.IsIPv4MappedToIPv6 ? $"[IPv6:{ip}]" : $"[{(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip)}]"
        : "";

    public string Security => Envelope.Source?.Tls == true ? "TLS" : "none";

    /// <summary>Puts a field in front (as the kernel writes added fields), so later conditions and rules see it (§6 Add Header).</summary>
    public void Add(string name, string value)
    {
        _headers.Insert(0, new KeyValuePair<string, string>(name, value));
        _addresses.Remove(name);
        _values.Clear();
        _folded.Clear();
        Edits++;
        _toAndCc = null;
        _human = null;
    }

    /// <summary>Replaces every occurrence of a field by one value (Tag Subject).</summary>
    public void Replace(string name, string value)
    {
        _headers.RemoveAll(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase));
        Add(name, value);
    }

    /// <summary>A header value safe for the kernel's Latin-1 header writer: non-ASCII text as RFC 2047 encoded words.</summary>
    public static string Encode(string value) => value.All(c => c < 128) ? value : System.Text.Encoding.ASCII.GetString(Rfc2047.EncodeText(System.Text.Encoding.UTF8, value));
}
