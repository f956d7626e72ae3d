using System.Security.Cryptography.X509Certificates;

namespace Kernel.Abstractions;

/// <summary>
/// The kernel's one certificate service: <c>Kernel:Tls</c> (PEM or PFX), per-domain certificates chosen by the name
/// the client asked for, or a self-signed certificate generated into the data folder. Connections hosted by the kernel
/// use it already; a plugin imports it only to host TLS through a framework of its own (Kestrel for HTTP).
/// </summary>
public interface ICertificateProvider
{
    /// <summary>
    /// The certificate (with its private key) for <paramref name="serverName"/> (the SNI host name; <c>null</c> = none
    /// sent): a configured domain by exact name, then its wildcard parent, else the default. A replaced certificate
    /// file is picked up without a restart. Do not dispose the result: the provider owns it.
    /// </summary>
    X509Certificate2 GetCertificate(string? serverName);
}
