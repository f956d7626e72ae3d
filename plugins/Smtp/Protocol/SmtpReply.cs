using System.Text;

namespace Smtp.Protocol;

/// <summary>
/// One SMTP reply (RFC 5321 §4.2): a code, an optional RFC 3463 enhanced status (RFC 2034 puts it first on every
/// line), and one or more text lines. <see cref="Write"/> gives the wire form with <c>code-</c> continuation lines.
/// </summary>
internal sealed record SmtpReply(int Code, string? Enhanced, IReadOnlyList<string> Lines)
{
    public SmtpReply(int code, string? enhanced, string text) : this(code, enhanced, [text])
    {
    }

    public bool IsPositive => Code is >= 200 and < 400;

    public bool IsPermanentFailure => Code >= 500;

    /// <summary>The reply as it goes on the wire; control characters in the text are replaced so one reply stays one reply.</summary>
    public byte[] ToBytes()
    {
        var text = new StringBuilder();
        for (var i = 0; i < Lines.Count; i++)
        {
            text.Append(Code).Append(i == Lines.Count - 1 ? ' ' : '-');
            if (Enhanced is not null) text.Append(Enhanced).Append(' ');
            foreach (var c in Lines[i]) text.Append(char.IsControl(c) ? ' ' : c);
            text.Append("\r\n");
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public override string ToString() => Encoding.UTF8.GetString(ToBytes()).TrimEnd();

    /// <summary>A reply for a queue result or router code: the class digit of <paramref name="enhanced"/> picks 4xx or 5xx.</summary>
    public static SmtpReply Failure(string enhanced, int temporaryCode, int permanentCode, string text) =>
        new(enhanced.StartsWith('4') ? temporaryCode : permanentCode, enhanced, text);

    // Replies used from several places (RFC 5321 §4.2.3, RFC 3463 codes).
    public static readonly SmtpReply Ok = new(250, "2.0.0", "OK");
    public static readonly SmtpReply BadSequence = new(503, "5.5.1", "Bad sequence of commands");
    public static readonly SmtpReply LineTooLong = new(500, "5.5.2", "Line too long");
    public static readonly SmtpReply BareLineFeed = new(500, "5.5.2", "Bare CR or LF not allowed in commands");
    public static readonly SmtpReply SyntaxError = new(501, "5.5.4", "Syntax error in parameters or arguments");
    public static readonly SmtpReply NotImplemented = new(502, "5.5.1", "Command not implemented");
    public static readonly SmtpReply AuthRequired = new(530, "5.7.0", "Authentication required");
    public static readonly SmtpReply TooManyErrors = new(421, "4.7.0", "Too many errors, closing connection");
    public static readonly SmtpReply Timeout = new(421, "4.4.2", "Timeout, closing connection");
    public static readonly SmtpReply ShuttingDown = new(421, "4.3.2", "Service shutting down, closing connection");
}
