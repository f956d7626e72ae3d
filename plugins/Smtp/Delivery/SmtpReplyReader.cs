using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Smtp.Delivery;

/// <summary>
/// Reads multi-line replies (RFC 5321 §4.2.1: <c>250-…</c> continues, <c>250 …</c> ends) from a pipe with limits, so
/// a broken or hostile server can neither grow our buffer nor keep us reading forever.
/// </summary>
internal static class SmtpReplyReader
{
    /// <summary>RFC 5321 §4.5.3.1.5 allows 512 octets per reply line; real servers are sometimes longer, so be lenient.</summary>
    public const int MaxLine = 4096;

    public const int MaxLines = 128;

    /// <summary>The next complete reply, or throws <see cref="SmtpProtocolException"/> when the server closed or sent garbage.</summary>
    public static async ValueTask<SmtpReply> ReadAsync(PipeReader input, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        int code = 0;
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            var complete = false;
            try
            {
                while (TryLine(ref buffer, out var line))
                {
                    consumed = buffer.Start;
                    if (!Parse(line, out var lineCode, out var last, out var text))
                        throw new SmtpProtocolException($"malformed reply line: {Printable(line)}");
                    if (lines.Count > 0 && lineCode != code)
                        throw new SmtpProtocolException($"reply code changed inside a multi-line reply: {code} then {lineCode}");
                    code = lineCode;
                    lines.Add(text);
                    if (lines.Count > MaxLines) throw new SmtpProtocolException($"reply longer than {MaxLines} lines");
                    if (last)
                    {
                        complete = true;
                        return Build(code, lines);
                    }
                }
                if (buffer.Length > MaxLine) throw new SmtpProtocolException($"reply line longer than {MaxLine} octets");
                if (result.IsCompleted) throw new SmtpProtocolException("the server closed the connection");
            }
            finally
            {
                // Only what a reply used is consumed; after a complete reply the rest (pipelined replies) is not yet examined.
                if (complete) input.AdvanceTo(consumed);
                else input.AdvanceTo(consumed, buffer.End);
            }
        }
    }

    /// <summary>Parses one line (without CRLF) of a reply; false for anything that is not <c>ddd</c>, <c>ddd text</c> or <c>ddd-text</c>.</summary>
    internal static bool Parse(string line, out int code, out bool last, out string text)
    {
        code = 0;
        last = true;
        text = "";
        if (line.Length < 3 || !char.IsAsciiDigit(line[0]) || !char.IsAsciiDigit(line[1]) || !char.IsAsciiDigit(line[2])) return false;
        if (line[0] is < '2' or > '5') return false;
        code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        if (line.Length == 3) return true;
        if (line[3] is not (' ' or '-')) return false;
        last = line[3] == ' ';
        text = line[4..];
        return true;
    }

    /// <summary>RFC 2034 §3: the enhanced code leads the text of each line, same class as the reply code.</summary>
    internal static SmtpReply Build(int code, List<string> lines)
    {
        string? enhanced = null;
        var first = lines[0];
        var space = first.IndexOf(' ');
        var candidate = space < 0 ? first : first[..space];
        if (IsEnhanced(candidate) && candidate[0] - '0' == code / 100) enhanced = candidate;
        return new SmtpReply(code, enhanced, lines);
    }

    private static bool IsEnhanced(string s)
    {
        var parts = s.Split('.');
        return parts.Length == 3 && parts[0] is "2" or "4" or "5"
            && parts[1].Length is >= 1 and <= 3 && parts[1].All(char.IsAsciiDigit)
            && parts[2].Length is >= 1 and <= 3 && parts[2].All(char.IsAsciiDigit);
    }

    private static bool TryLine(ref ReadOnlySequence<byte> buffer, out string line)
    {
        line = "";
        if (buffer.PositionOf((byte)'\n') is not { } lf) return false;
        var bytes = buffer.Slice(0, lf);
        if (bytes.Length > MaxLine) throw new SmtpProtocolException($"reply line longer than {MaxLine} octets");
        // UTF-8 (RFC 6531 §3.7.4 allows it in replies; invalid octets become U+FFFD), CR trimmed (some servers send bare LF).
        line = Encoding.UTF8.GetString(bytes).TrimEnd('\r');
        buffer = buffer.Slice(buffer.GetPosition(1, lf));
        return true;
    }

    private static string Printable(string line) => line.Length > 80 ? line[..80] + "…" : line;
}
