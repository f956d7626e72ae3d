using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kernel.Tests.Connections;

/// <summary>Self-signed certificates written as PEM files, for configuring <c>Kernel:Tls</c> in tests.</summary>
internal static class TestCertificates
{
    /// <summary>Writes <c>&lt;name&gt;.crt</c> and <c>&lt;name&gt;.key</c> for subject <c>CN=&lt;commonName&gt;</c>; returns both paths.</summary>
    public static (string Certificate, string Key) WritePem(string directory, string name, string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + commonName, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(commonName);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        Directory.CreateDirectory(directory);
        var certificatePath = Path.Combine(directory, name + ".crt");
        var keyPath = Path.Combine(directory, name + ".key");
        // Written to a temp name and renamed, as an operator's certificate tool would (never a half-written file).
        File.WriteAllText(certificatePath + ".tmp", certificate.ExportCertificatePem());
        File.WriteAllText(keyPath + ".tmp", key.ExportPkcs8PrivateKeyPem());
        File.Move(keyPath + ".tmp", keyPath, overwrite: true);
        File.Move(certificatePath + ".tmp", certificatePath, overwrite: true);
        return (certificatePath, keyPath);
    }
}
