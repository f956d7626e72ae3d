using Kernel.Abstractions;

namespace Smtp.Protocol;

/// <summary>A parsed <c>MAIL FROM:&lt;path&gt; [params]</c> (RFC 5321 §4.1.1.2) with the ESMTP parameters we offer.</summary>
internal sealed record MailCommand
{
    /// <summary>The reverse-path without brackets (a source route already dropped, RFC 5321 §C); "" for <c>&lt;&gt;</c>.</summary>
    public required string ReversePath { get; init; }

    /// <summary>RFC 1870 SIZE=.</summary>
    public long? Size { get; init; }

    /// <summary>RFC 6152 / RFC 3030 BODY=.</summary>
    public MessageBodyType Body { get; init; }

    /// <summary>RFC 6531 SMTPUTF8.</summary>
    public bool SmtpUtf8 { get; init; }

    /// <summary>RFC 3461 §4.3 RET=.</summary>
    public DsnReturn Return { get; init; }

    /// <summary>RFC 3461 §4.4 ENVID= (xtext decoded).</summary>
    public string? EnvelopeId { get; init; }

    /// <summary>RFC 4954 §5 AUTH= (xtext decoded); only honoured for an authenticated, trusted session.</summary>
    public string? Auth { get; init; }
}
