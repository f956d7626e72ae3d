using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Kernel.Abstractions;
using Kernel.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Kernel.Tls;

/// <summary>
/// The kernel's certificate service (<see cref="ICertificateProvider"/>). Configuration, <c>Kernel:Tls:</c>
/// <list type="bullet">
/// <item><c>Certificate</c> + <c>Key</c> (PEM files; the key may be inside the certificate file), or <c>Pfx</c> +
/// <c>PfxPassword</c>: the default certificate.</item>
/// <item><c>Domains:&lt;name&gt;:Certificate|Key|Pfx|PfxPassword</c>: a certificate for a host name, chosen by the name
/// the client sends with SNI — exact name first, then <c>*.&lt;parent&gt;</c>.</item>
/// <item>No default configured: a self-signed certificate generated into <c>&lt;data&gt;/tls/self-signed.pfx</c> on first
/// start (subject the Main Domain, else the host name) and reused afterwards.</item>
/// </list>
/// Every file is watched: a replaced file is used from the next handshake on (checked at most once a second).
/// </summary>
public sealed class ServerCertificates : ICertificateProvider
{
    private readonly IConfiguration _configuration;
    private readonly string _dataDirectory;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IAccountStore? _accounts;
    private readonly SemaphoreSlim _prepare = new(1, 1);
    private volatile Certificates? _certificates;

    public ServerCertificates(IConfiguration configuration, string dataDirectory, TimeProvider time, ILogger<ServerCertificates> logger, IAccountStore? accounts = null)
    {
        _configuration = configuration;
        _dataDirectory = dataDirectory;
        _time = time;
        _logger = logger;
        _accounts = accounts;
    }

    /// <summary>Where the generated certificate lives.</summary>
    public string SelfSignedPath => Path.Combine(_dataDirectory, "tls", "self-signed.pfx");

    /// <summary>
    /// Reads the configuration and loads every certificate now, so a wrong path fails the start with the key to fix;
    /// generates the self-signed certificate when none is configured and none was generated before.
    /// </summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (_certificates is not null) return;
        await _prepare.WaitAsync(cancellationToken);
        try
        {
            if (_certificates is not null) return;
            string? mainDomain = null;
            if (_accounts is not null && !HasDefault()) mainDomain = await _accounts.GetMainDomainAsync(cancellationToken);
            _certificates = Read(mainDomain);
        }
        finally
        {
            _prepare.Release();
        }
    }

    public X509Certificate2 GetCertificate(string? serverName) => Select(serverName).Current.Certificate;

    /// <summary>The <see cref="ServerOptionsSelectionCallback"/> of every kernel-hosted TLS handshake: SNI picks the certificate.</summary>
    internal async ValueTask<SslServerAuthenticationOptions> SelectAsync(SslStream stream, SslClientHelloInfo hello, object? state, CancellationToken cancellationToken)
    {
        if (_certificates is null) await PrepareAsync(cancellationToken);
        return Select(hello.ServerName).Current.Options;
    }

    private CertificateFiles Select(string? serverName)
    {
        var certificates = _certificates;
        if (certificates is null)
        {
            // Only reached when nothing called PrepareAsync (an embedding without a server start): no Main Domain lookup.
            _prepare.Wait();
            try
            {
                certificates = _certificates ??= Read(null);
            }
            finally
            {
                _prepare.Release();
            }
        }
        if (!string.IsNullOrEmpty(serverName))
        {
            var name = serverName.TrimEnd('.').ToLowerInvariant();
            if (certificates.Domains.TryGetValue(name, out var exact)) return exact;
            var dot = name.IndexOf('.');
            if (dot > 0 && certificates.Domains.TryGetValue("*" + name[dot..], out var wildcard)) return wildcard;
        }
        return certificates.Default;
    }

    private bool HasDefault()
    {
        var tls = _configuration.GetSection("Kernel:Tls");
        return !string.IsNullOrWhiteSpace(tls["Certificate"]) || !string.IsNullOrWhiteSpace(tls["Pfx"]);
    }

    private Certificates Read(string? mainDomain)
    {
        var tls = _configuration.GetSection("Kernel:Tls");
        var domains = new Dictionary<string, CertificateFiles>(StringComparer.OrdinalIgnoreCase);
        foreach (var domain in tls.GetSection("Domains").GetChildren())
        {
            var files = FromSection(domain, $"Kernel:Tls:Domains:{domain.Key}")
                ?? throw new KernelStartupException($"Kernel:Tls:Domains:{domain.Key}: set Certificate (and Key) or Pfx");
            files.LoadOrThrow();
            domains[domain.Key.TrimEnd('.').ToLowerInvariant()] = files;
        }
        var fallback = FromSection(tls, "Kernel:Tls") ?? SelfSigned(mainDomain);
        fallback.LoadOrThrow();
        var (certificate, _) = fallback.Current;
        _logger.LogInformation("TLS certificate {Subject} (expires {NotAfter:u}) from {Source}; {Count} per-domain certificates", certificate.Subject,
            certificate.NotAfter.ToUniversalTime(), fallback.PfxPath ?? fallback.CertificatePath, domains.Count);
        return new Certificates(fallback, domains);
    }

    private CertificateFiles? FromSection(IConfigurationSection section, string name)
    {
        var pfx = Blank(section["Pfx"]);
        var certificate = Blank(section["Certificate"]);
        if (pfx is null && certificate is null) return null;
        if (pfx is not null && certificate is not null) throw new KernelStartupException($"{name}: set either Certificate (PEM) or Pfx, not both");
        return new CertificateFiles(name, Full(certificate), Full(Blank(section["Key"])), Full(pfx), section["PfxPassword"], _time, _logger);
    }

    private CertificateFiles SelfSigned(string? mainDomain)
    {
        var path = SelfSignedPath;
        if (!File.Exists(path))
        {
            var name = mainDomain ?? System.Net.Dns.GetHostName();
            try
            {
                SelfSignedCertificate.Create(path, name, _time.GetUtcNow());
                _logger.LogWarning("no TLS certificate configured (Kernel:Tls:Certificate or Kernel:Tls:Pfx): generated a self-signed one for {Name} at {Path}", name, path);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another kernel process on the same data folder generated it first: use that one.
            }
        }
        return new CertificateFiles("self-signed", null, null, path, null, _time, _logger);
    }

    private string? Full(string? path) => path is null ? null : Path.GetFullPath(path, _dataDirectory);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private sealed record Certificates(CertificateFiles Default, IReadOnlyDictionary<string, CertificateFiles> Domains);
}
