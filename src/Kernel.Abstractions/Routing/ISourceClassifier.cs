using System.Net;

namespace Kernel.Abstractions;

/// <summary>
/// Who is Trusted (smtp.md §5.1, sip.md §6): one classification of a client for every protocol, so SMTP, SIP and
/// HTTP do not each parse <c>Network.ClientIpAddresses</c> and "Relay … if received from" themselves. The kernel
/// exports one into every plugin's container; it asks the active router when that router also implements this
/// interface (the Router plugin classifies from the same settings its relay verdict reads, re-read on every
/// configuration change), and otherwise uses the kernel default: authenticated and internal sources and the
/// loopback addresses 127.0.0.1 and ::1 are Trusted, everything else Untrusted. Cheap and synchronous: call it per
/// request rather than caching the answer, so a changed setting applies to the next request.
/// </summary>
public interface ISourceClassifier
{
    /// <summary>The address is in the server's Client IP Addresses list (smtp.md §5.1; also what allows clear-text login).</summary>
    bool IsClientAddress(IPAddress? clientIp);

    /// <summary>
    /// The class of a source as the protocol knows it (client address, authenticated account, TLS, listener role…);
    /// the <see cref="RequestSource.Class"/> it carries is not read.
    /// </summary>
    SourceClass Classify(RequestSource source);
}
