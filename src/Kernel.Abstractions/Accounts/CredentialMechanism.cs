namespace Kernel.Abstractions;

public enum CredentialMechanism
{
    /// <summary>RFC 2195: the HMAC-MD5 inner and outer contexts (the "CRAM-MD5 secret"), never the password.</summary>
    CramMd5,

    /// <summary>RFC 2617 / RFC 3261 §22: HA1 = MD5(username ":" realm ":" password) for one realm.</summary>
    DigestHa1,
}
