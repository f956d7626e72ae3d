using System.Globalization;
using System.Text;
using Kernel.Abstractions;

namespace Smtp.Protocol;

/// <summary>
/// Parses the arguments of MAIL and RCPT: the path in angle brackets (RFC 5321 §4.1.2) and the ESMTP parameters
/// (<c>keyword[=value]</c>, §4.1.1.11). Every failure is a ready reply: a bad path <c>501 5.1.7</c> (MAIL) or
/// <c>501 5.1.3</c> (RCPT), an unknown parameter <c>555 5.5.4</c>, a bad value <c>501 5.5.4</c>.
/// </summary>
internal static class PathCommandParser
{
    public static bool TryParseMail(string argument, out MailCommand? command, out SmtpReply? error)
    {
        command = null;
        if (!TrySplit(argument, "FROM:", out var path, out var parameters, out error, "5.1.7")) return false;
        var reversePath = path;
        // RFC 5321 §C / §4.1.1.2: a source route in the reverse-path is ignored; the mailbox after ':' is the sender.
        if (reversePath.StartsWith('@'))
        {
            var colon = reversePath.IndexOf(':');
            reversePath = colon < 0 ? "" : reversePath[(colon + 1)..];
            if (reversePath.Length == 0) return Fail(out error, 501, "5.1.7", "Bad sender address syntax");
        }
        if (reversePath.Length > 0 && !IsMailbox(reversePath, requireDomain: true)) return Fail(out error, 501, "5.1.7", "Bad sender address syntax");
        var mail = new MailCommand { ReversePath = reversePath };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in parameters)
        {
            if (!seen.Add(key)) return Fail(out error, 501, "5.5.4", $"Duplicate {key} parameter");
            switch (key)
            {
                case "SIZE" when value is not null && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var size):
                    mail = mail with { Size = size };
                    break;
                case "BODY" when value is not null:
                    MessageBodyType? body = value.ToUpperInvariant() switch
                    {
                        "7BIT" => MessageBodyType.SevenBit,
                        "8BITMIME" => MessageBodyType.EightBitMime,
                        "BINARYMIME" => MessageBodyType.BinaryMime,
                        _ => null,
                    };
                    if (body is null) return Fail(out error, 501, "5.5.4", "BODY must be 7BIT, 8BITMIME or BINARYMIME");
                    mail = mail with { Body = body.Value };
                    break;
                case "SMTPUTF8" when value is null:
                    mail = mail with { SmtpUtf8 = true };
                    break;
                case "RET" when value is not null:
                    DsnReturn? ret = value.ToUpperInvariant() switch { "FULL" => DsnReturn.Full, "HDRS" => DsnReturn.Headers, _ => null };
                    if (ret is null) return Fail(out error, 501, "5.5.4", "RET must be FULL or HDRS");
                    mail = mail with { Return = ret.Value };
                    break;
                case "ENVID" when value is not null && XText.TryDecode(value, out var envid) && envid.Length <= 100:
                    mail = mail with { EnvelopeId = envid };
                    break;
                case "AUTH" when value is not null && XText.TryDecode(value, out var auth):
                    mail = mail with { Auth = auth };
                    break;
                case "SIZE" or "BODY" or "SMTPUTF8" or "RET" or "ENVID" or "AUTH":
                    return Fail(out error, 501, "5.5.4", $"Bad {key} parameter");
                default:
                    return Fail(out error, 555, "5.5.4", $"Unsupported parameter {key}");
            }
        }
        // RFC 6531 §3.4: an 8-bit address needs SMTPUTF8 on the MAIL command.
        if (!mail.SmtpUtf8 && !IsAscii(reversePath)) return Fail(out error, 553, "5.6.7", "Non-ASCII address needs SMTPUTF8");
        command = mail;
        return true;
    }

    public static bool TryParseRcpt(string argument, bool smtpUtf8, out RcptCommand? command, out SmtpReply? error)
    {
        command = null;
        if (!TrySplit(argument, "TO:", out var path, out var parameters, out error, "5.1.3")) return false;
        if (path.Length == 0) return Fail(out error, 501, "5.1.3", "Bad recipient address syntax");
        if (!RoutingAddress.TryParse(path, out _, out var why)) return Fail(out error, 501, "5.1.3", $"Bad recipient address syntax: {why}");
        if (!smtpUtf8 && !IsAscii(path)) return Fail(out error, 553, "5.6.7", "Non-ASCII address needs SMTPUTF8");
        var rcpt = new RcptCommand { ForwardPath = path };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in parameters)
        {
            if (!seen.Add(key)) return Fail(out error, 501, "5.5.4", $"Duplicate {key} parameter");
            switch (key)
            {
                case "NOTIFY" when value is not null && TryParseNotify(value, out var notify):
                    rcpt = rcpt with { Notify = notify };
                    break;
                // RFC 3461 §4.2: ORCPT=addr-type;xtext.
                case "ORCPT" when value is not null && value.IndexOf(';') is > 0 and var semi && XText.TryDecode(value[(semi + 1)..], out var original) && original.Length > 0:
                    rcpt = rcpt with { OriginalRecipient = value[..semi] + ";" + original };
                    break;
                case "NOTIFY" or "ORCPT":
                    return Fail(out error, 501, "5.5.4", $"Bad {key} parameter");
                default:
                    return Fail(out error, 555, "5.5.4", $"Unsupported parameter {key}");
            }
        }
        command = rcpt;
        return true;
    }

    /// <summary>RFC 3461 §4.1: NEVER alone, or a comma list of SUCCESS, FAILURE, DELAY.</summary>
    private static bool TryParseNotify(string value, out DsnNotify notify)
    {
        notify = DsnNotify.Default;
        foreach (var item in value.Split(','))
        {
            var flag = item.ToUpperInvariant() switch
            {
                "NEVER" => DsnNotify.Never,
                "SUCCESS" => DsnNotify.Success,
                "FAILURE" => DsnNotify.Failure,
                "DELAY" => DsnNotify.Delay,
                _ => (DsnNotify?)null,
            };
            if (flag is null || (notify & flag.Value) != 0) return false;
            notify |= flag.Value;
        }
        return notify != DsnNotify.Default && (!notify.HasFlag(DsnNotify.Never) || notify == DsnNotify.Never);
    }

    /// <summary>Splits <c>FROM:&lt;path&gt; k=v k2</c>: the path (quote- and escape-aware) and upper-cased keywords.</summary>
    private static bool TrySplit(string argument, string prefix, out string path, out List<(string Key, string? Value)> parameters, out SmtpReply? error, string pathCode)
    {
        path = "";
        parameters = [];
        if (!argument.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return Fail(out error, 501, "5.5.4", $"Syntax: {prefix}<address>");
        // Some clients put a space after the colon; RFC 5321 does not, but refusing it helps nobody.
        var rest = argument.AsSpan(prefix.Length).TrimStart(' ');
        if (rest.Length == 0 || rest[0] != '<') return Fail(out error, 501, pathCode, "Address must be in angle brackets");
        var end = -1;
        var quoted = false;
        for (var i = 1; i < rest.Length; i++)
        {
            var c = rest[i];
            if (c == '\\' && quoted) { i++; continue; }
            if (c == '"') quoted = !quoted;
            else if (c == '>' && !quoted) { end = i; break; }
        }
        if (end < 0) return Fail(out error, 501, pathCode, "Unbalanced angle brackets");
        path = rest[1..end].ToString();
        var tail = rest[(end + 1)..];
        if (tail.Length > 0 && tail[0] != ' ') return Fail(out error, 501, pathCode, "Text after the address");
        foreach (var word in tail.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = word.IndexOf('=');
            var key = (eq < 0 ? word : word[..eq]).ToUpperInvariant();
            if (key.Length == 0) return Fail(out error, 501, "5.5.4", "Empty parameter keyword");
            parameters.Add((key, eq < 0 ? null : word[(eq + 1)..]));
        }
        error = null;
        return true;
    }

    /// <summary>A mailbox as RFC 5321 §4.1.2 allows it, read by the SDK's address parser (one parser for every plugin).</summary>
    private static bool IsMailbox(string text, bool requireDomain) =>
        RoutingAddress.TryParse(text, out var address, out _) && (!requireDomain || address!.DomainText is not null)
        && !text.StartsWith('@') && !(address!.Domain is null && address.Literal is null);

    private static bool IsAscii(string text) => Encoding.UTF8.GetByteCount(text) == text.Length;

    private static bool Fail(out SmtpReply? error, int code, string enhanced, string text)
    {
        error = new SmtpReply(code, enhanced, text);
        return false;
    }
}
