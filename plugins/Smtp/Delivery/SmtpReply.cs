namespace Smtp.Delivery;

/// <summary>
/// One server reply as the client reads it (RFC 5321 §4.2): the three-digit code, the RFC 3463 enhanced status when
/// the server gave one (RFC 2034 §3), and the text lines. <see cref="Text"/> is the whole reply on one line, as a DSN's
/// Diagnostic-Code carries it (RFC 3464 §2.3.6).
/// </summary>
internal sealed record SmtpReply(int Code, string? EnhancedCode, IReadOnlyList<string> Lines)
{
    public bool IsPositive => Code is >= 200 and < 400;

    public bool IsTransient => Code is >= 400 and < 500;

    public bool IsPermanent => Code >= 500;

    /// <summary>"250 2.1.5 ok", the lines joined by spaces.</summary>
    public string Text => $"{Code} {string.Join(' ', Lines)}".TrimEnd();

    /// <summary>The enhanced code, else the class's generic one (RFC 3463 §3.1: X.0.0 when nothing more is known).</summary>
    public string Status(string? fallback = null) => EnhancedCode ?? fallback ?? $"{Code / 100}.0.0";

    /// <summary>A reply the client makes up for a failure that never reached the server (connection lost, timeout).</summary>
    public static SmtpReply Local(int code, string enhanced, string text) => new(code, enhanced, [$"{enhanced} {text}"]);
}
