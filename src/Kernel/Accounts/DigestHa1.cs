using System.Security.Cryptography;
using System.Text;

namespace Kernel.Accounts;

/// <summary>
/// The HTTP/SIP digest verifier (RFC 2617 §3.2.2.2, RFC 3261 §22.4): HA1 = MD5(username ":" realm ":" password).
/// Kernel stores it for the realm that is the account's domain, with the account's name as the username.
/// </summary>
public static class DigestHa1
{
    public const int Length = 16;

    public static byte[] Compute(string username, string realm, string password)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentNullException.ThrowIfNull(password);
        return MD5.HashData(Encoding.UTF8.GetBytes($"{username}:{realm}:{password}"));
    }
}
