using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Kernel.Abstractions;

/// <summary>
/// The CRAM-MD5 verifier (RFC 2195): HMAC-MD5 (RFC 2104) keyed with the password, kept as the MD5 chaining states
/// after the inner (key ⊕ ipad) and outer (key ⊕ opad) key blocks — 32 bytes, inner first, each as four
/// little-endian words. It answers any challenge without the password, which is never stored.
/// </summary>
public static class CramMd5Secret
{
    public const int Length = 32;

    private const int BlockSize = 64;

    /// <summary>The 32-byte secret for a password (UTF-8).</summary>
    public static byte[] Compute(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        // RFC 2104 §2: a key longer than the block is replaced by its hash; shorter keys are zero-padded.
        var key = Encoding.UTF8.GetBytes(password);
        if (key.Length > BlockSize) key = MD5.HashData(key);
        Span<byte> inner = stackalloc byte[BlockSize];
        Span<byte> outer = stackalloc byte[BlockSize];
        for (var i = 0; i < BlockSize; i++)
        {
            var k = i < key.Length ? key[i] : (byte)0;
            inner[i] = (byte)(k ^ 0x36);
            outer[i] = (byte)(k ^ 0x5c);
        }
        CryptographicOperations.ZeroMemory(key);
        Span<uint> innerState = stackalloc uint[4];
        Span<uint> outerState = stackalloc uint[4];
        Md5Context.InitialState.CopyTo(innerState);
        Md5Context.InitialState.CopyTo(outerState);
        Md5Context.Compress(innerState, inner);
        Md5Context.Compress(outerState, outer);
        var secret = new byte[Length];
        for (var i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(secret.AsSpan(i * 4), innerState[i]);
            BinaryPrimitives.WriteUInt32LittleEndian(secret.AsSpan(16 + i * 4), outerState[i]);
        }
        return secret;
    }

    /// <summary>HMAC-MD5(password, challenge) computed from the secret: the 16-byte digest whose hex is the CRAM-MD5 response.</summary>
    public static byte[] Digest(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> challenge)
    {
        if (secret.Length != Length) throw new ArgumentException($"a CRAM-MD5 secret is {Length} bytes", nameof(secret));
        Span<uint> innerState = stackalloc uint[4];
        Span<uint> outerState = stackalloc uint[4];
        for (var i = 0; i < 4; i++)
        {
            innerState[i] = BinaryPrimitives.ReadUInt32LittleEndian(secret[(i * 4)..]);
            outerState[i] = BinaryPrimitives.ReadUInt32LittleEndian(secret[(16 + i * 4)..]);
        }
        var inner = new Md5Context(innerState, BlockSize);
        inner.Update(challenge);
        var outer = new Md5Context(outerState, BlockSize);
        outer.Update(inner.Final());
        return outer.Final();
    }

    /// <summary>
    /// RFC 2195 §2: checks the client's response (lower- or upper-case hex of the HMAC-MD5 digest) to the challenge
    /// the server sent (the text between the angle brackets included). Constant-time compare; malformed input is false.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> secret, string challenge, string responseHex)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        if (secret.Length != Length || responseHex is null || responseHex.Length != 32) return false;
        byte[] response;
        try
        {
            response = Convert.FromHexString(responseHex);
        }
        catch (FormatException)
        {
            return false;
        }
        var expected = Digest(secret, Encoding.UTF8.GetBytes(challenge));
        return CryptographicOperations.FixedTimeEquals(expected, response);
    }
}
