using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Kernel.Hosting;
using Microsoft.Extensions.Logging;

namespace Kernel.Tls;

/// <summary>
/// One certificate from files — PEM (<see cref="CertificatePath"/> + <see cref="KeyPath"/>, the key may sit in the
/// certificate file) or PKCS#12 (<see cref="PfxPath"/>) — reloaded when a file's time or size changes, checked at most
/// once a second (on handshake). A replacement that does not load keeps the previous certificate and logs why.
/// </summary>
internal sealed class CertificateFiles
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Loaded? _loaded;
    private DateTimeOffset _nextCheck = DateTimeOffset.MinValue;

    public CertificateFiles(string name, string? certificatePath, string? keyPath, string? pfxPath, string? pfxPassword, TimeProvider time, ILogger logger)
    {
        Name = name;
        CertificatePath = certificatePath;
        KeyPath = keyPath;
        PfxPath = pfxPath;
        PfxPassword = pfxPassword;
        _time = time;
        _logger = logger;
    }

    /// <summary>Where it came from in configuration, for messages: <c>Kernel:Tls</c>, <c>Kernel:Tls:Domains:example.org</c>.</summary>
    public string Name { get; }

    public string? CertificatePath { get; }

    public string? KeyPath { get; }

    public string? PfxPath { get; }

    public string? PfxPassword { get; }

    /// <summary>Loads now; throws with the configuration key and the reason when it cannot (a start-up error).</summary>
    public void LoadOrThrow()
    {
        lock (_gate)
        {
            _loaded = Load(Stamp());
            _nextCheck = _time.GetUtcNow() + CheckInterval;
        }
    }

    /// <summary>The current certificate and its TLS options, reloaded first when the files changed.</summary>
    public (X509Certificate2 Certificate, SslServerAuthenticationOptions Options) Current
    {
        get
        {
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                if (_loaded is null || now >= _nextCheck)
                {
                    _nextCheck = now + CheckInterval;
                    var stamp = Stamp();
                    if (_loaded is null || stamp != _loaded.Stamp)
                    {
                        try
                        {
                            var previous = _loaded;
                            _loaded = Load(stamp);
                            if (previous is not null) _logger.LogInformation("{Source}: certificate reloaded, now {Subject} (expires {NotAfter:u})", Name, _loaded.Certificate.Subject, _loaded.Certificate.NotAfter.ToUniversalTime());
                        }
                        catch (Exception e) when (_loaded is not null && e is KernelStartupException or InvalidOperationException)
                        {
                            // Half-written replacement, or a bad one: keep serving the previous certificate.
                            _logger.LogWarning("{Source}: the changed certificate does not load ({Reason}); still using the previous one", Name, e.Message);
                        }
                    }
                }
                return (_loaded!.Certificate, _loaded.Options);
            }
        }
    }

    private string Stamp()
    {
        var stamp = "";
        foreach (var path in new[] { CertificatePath, KeyPath, PfxPath })
        {
            if (path is null) continue;
            var file = new FileInfo(path);
            stamp += file.Exists ? $"{file.LastWriteTimeUtc.Ticks}:{file.Length};" : "missing;";
        }
        return stamp;
    }

    private Loaded Load(string stamp)
    {
        X509Certificate2 certificate;
        var chain = new X509Certificate2Collection();
        try
        {
            if (PfxPath is not null)
            {
                var all = X509CertificateLoader.LoadPkcs12CollectionFromFile(PfxPath, PfxPassword, X509KeyStorageFlags.EphemeralKeySet);
                certificate = all.FirstOrDefault(c => c.HasPrivateKey) ?? throw new InvalidOperationException("no certificate with a private key in the PFX");
                foreach (var other in all) if (!ReferenceEquals(other, certificate)) chain.Add(other);
            }
            else
            {
                certificate = X509Certificate2.CreateFromPemFile(CertificatePath!, KeyPath);
                // The rest of the certificate file is the chain the client needs (intermediates).
                var all = new X509Certificate2Collection();
                all.ImportFromPemFile(CertificatePath!);
                foreach (var other in all.Skip(1)) chain.Add(other);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new KernelStartupException($"{Name}: cannot load the certificate from {PfxPath ?? CertificatePath}: {e.Message}");
        }
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, chain, offline: true),
            ClientCertificateRequired = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        return new Loaded(certificate, options, stamp);
    }

    private sealed record Loaded(X509Certificate2 Certificate, SslServerAuthenticationOptions Options, string Stamp);
}
