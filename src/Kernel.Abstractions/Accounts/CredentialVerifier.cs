namespace Kernel.Abstractions;

/// <summary>A per-mechanism verifier: for CRAM-MD5 the 32 bytes of MD5 inner+outer state; for digest the 16-byte HA1.</summary>
public sealed record CredentialVerifier(CredentialMechanism Mechanism, string? Realm, byte[] Value);
