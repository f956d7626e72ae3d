namespace Smtp.Server;

/// <summary>The four listener roles of smtp.md §1; each names its <c>Smtp[:Role]:Listen</c> configuration.</summary>
internal enum SmtpListenerKind
{
    /// <summary><c>Smtp:Listen</c>, port 25: MTA to MTA, and submission by client hosts.</summary>
    Smtp,

    /// <summary><c>Smtp:Submission:Listen</c>, port 587: AUTH before MAIL (RFC 6409).</summary>
    Submission,

    /// <summary><c>Smtp:Smtps:Listen</c>, port 465: TLS from the first byte (RFC 8314).</summary>
    Smtps,

    /// <summary><c>Smtp:Odmr:Listen</c>, port 366: the ATRN service (RFC 2645).</summary>
    Odmr,
}
