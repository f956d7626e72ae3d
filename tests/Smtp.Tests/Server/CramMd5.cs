using System.Security.Cryptography;
using System.Text;

namespace Smtp.Tests.Server;

/// <summary>The client side of RFC 2195, computed independently of the server's verifier code.</summary>
internal static class CramMd5
{
    public static string Answer(string user, string password, string base64Challenge)
    {
        var challenge = Convert.FromBase64String(base64Challenge.Trim());
        var digest = HMACMD5.HashData(Encoding.UTF8.GetBytes(password), challenge);
        return Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user} {Convert.ToHexStringLower(digest)}"));
    }
}
