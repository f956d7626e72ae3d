using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Kernel.Accounts;

/// <summary>
/// The salted slow hash for plain passwords (LOGIN, PLAIN, HTTP Basic; design.md "Passwords"): PBKDF2-HMAC-SHA256
/// (RFC 8018 §5.2), stored as <c>pbkdf2-sha256$iterations$salt$hash</c> (base64) so the cost can be raised later
/// without invalidating stored hashes.
/// </summary>
public static class PasswordHash
{
    /// <summary>
    /// About 35–45 ms per verify on the 2-core reference machine under build load (measured 210,000 iterations at
    /// 50–60 ms there); the count is stored with each hash, so raise it as hardware gets faster.
    /// </summary>
    public const int DefaultIterations = 150_000;

    /// <summary>A password is text a person types; longer input is refused before any hashing work.</summary>
    public const int MaxPasswordLength = 1024;

    private const string Algorithm = "pbkdf2-sha256";
    private const int SaltLength = 16;
    private const int HashLength = 32;

    public static string Create(string password, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var salt = RandomNumberGenerator.GetBytes(SaltLength);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashLength);
        return string.Join('$', Algorithm, iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    /// <summary>Constant-time check of <paramref name="password"/> against a stored hash; a damaged or unknown format is false.</summary>
    public static bool Verify(string stored, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!TryParse(stored, out var iterations, out var salt, out var expected) || password.Length > MaxPasswordLength) return false;
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>True when the stored hash uses fewer iterations than <paramref name="iterations"/> (re-hash at the next successful login).</summary>
    public static bool NeedsRehash(string stored, int iterations = DefaultIterations) =>
        !TryParse(stored, out var storedIterations, out _, out _) || storedIterations < iterations;

    private static bool TryParse(string? stored, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = hash = [];
        var parts = stored?.Split('$');
        if (parts is not { Length: 4 } || parts[0] != Algorithm) return false;
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations < 1 || iterations > 100_000_000) return false;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            hash = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }
        return salt.Length > 0 && hash.Length > 0;
    }
}
