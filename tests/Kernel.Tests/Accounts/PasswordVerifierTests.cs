using Kernel.Abstractions;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Kernel.Accounts;

namespace Kernel.Tests.Accounts;

public sealed class PasswordVerifierTests
{
    // ------------------------------------------------------------------ PBKDF2

    [Fact]
    public void A_hash_verifies_the_right_password_only_and_is_salted()
    {
        var first = PasswordHash.Create("secret", 1000);
        var second = PasswordHash.Create("secret", 1000);
        Assert.NotEqual(first, second);
        Assert.Matches(@"^pbkdf2-sha256\$1000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$", first);
        Assert.True(PasswordHash.Verify(first, "secret"));
        Assert.True(PasswordHash.Verify(second, "secret"));
        Assert.False(PasswordHash.Verify(first, "Secret"));
        Assert.False(PasswordHash.Verify(first, ""));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("md5$1000$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$x$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$0$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$1000$!!!$AAAA")]
    [InlineData("pbkdf2-sha256$1000$AAAA")]
    public void A_damaged_stored_hash_never_verifies(string stored) => Assert.False(PasswordHash.Verify(stored, "secret"));

    [Fact]
    public void The_stored_iteration_count_is_used_so_the_cost_can_be_raised_later()
    {
        var old = PasswordHash.Create("pw", 1000);
        Assert.True(PasswordHash.NeedsRehash(old));
        Assert.False(PasswordHash.NeedsRehash(old, 1000));
        Assert.True(PasswordHash.Verify(old, "pw"));
    }

    [Fact]
    public void The_default_cost_is_a_slow_hash()
    {
        // Not a timing assertion (the machine is shared): the count alone keeps a verify in the tens of milliseconds.
        Assert.InRange(PasswordHash.DefaultIterations, 100_000, 2_000_000);
        var stored = PasswordHash.Create("pw");
        var watch = Stopwatch.StartNew();
        Assert.True(PasswordHash.Verify(stored, "pw"));
        Assert.True(watch.Elapsed > TimeSpan.FromMilliseconds(2), $"a default verify took only {watch.Elapsed.TotalMilliseconds} ms");
    }

    // ------------------------------------------------------------------ MD5 state (RFC 1321)

    [Fact]
    public void The_MD5_compression_matches_the_platform_MD5_for_every_length_and_split()
    {
        var data = new byte[300];
        new Random(1321).NextBytes(data);
        for (var length = 0; length <= data.Length; length += 7)
        {
            var expected = MD5.HashData(data.AsSpan(0, length));
            var whole = new Md5Context();
            whole.Update(data.AsSpan(0, length));
            Assert.Equal(expected, whole.Final());
            var split = new Md5Context();
            var cut = length / 3;
            split.Update(data.AsSpan(0, cut));
            split.Update(data.AsSpan(cut, length - cut));
            Assert.Equal(expected, split.Final());
        }
    }

    [Theory]
    // RFC 1321 §A.5 test suite.
    [InlineData("", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("abc", "900150983cd24fb0d6963f7d28e17f72")]
    [InlineData("message digest", "f96b697d7cb7938d525a2f31aaf161d0")]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a")]
    public void The_MD5_compression_gives_the_RFC_1321_test_suite(string input, string digest)
    {
        var context = new Md5Context();
        context.Update(Encoding.ASCII.GetBytes(input));
        Assert.Equal(digest, Convert.ToHexStringLower(context.Final()));
    }

    // ------------------------------------------------------------------ CRAM-MD5 (RFC 2195)

    [Fact]
    public void The_RFC_2195_example_verifies()
    {
        var secret = CramMd5Secret.Compute("tanstaaftanstaaf");
        Assert.Equal(CramMd5Secret.Length, secret.Length);
        const string challenge = "<1896.697170952@postoffice.reston.mci.net>";
        Assert.True(CramMd5Secret.Verify(secret, challenge, "b913a602c7eda7a495b4e6e7334d3890"));
        Assert.True(CramMd5Secret.Verify(secret, challenge, "B913A602C7EDA7A495B4E6E7334D3890"));
        Assert.False(CramMd5Secret.Verify(secret, challenge, "b913a602c7eda7a495b4e6e7334d3891"));
        Assert.False(CramMd5Secret.Verify(secret, "<1896.697170953@postoffice.reston.mci.net>", "b913a602c7eda7a495b4e6e7334d3890"));
        Assert.False(CramMd5Secret.Verify(CramMd5Secret.Compute("tanstaaftanstaag"), challenge, "b913a602c7eda7a495b4e6e7334d3890"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("zz13a602c7eda7a495b4e6e7334d3890")]
    [InlineData("b913a602c7eda7a495b4e6e7334d389")]
    [InlineData("b913a602c7eda7a495b4e6e7334d38900")]
    public void A_malformed_response_is_false(string response) =>
        Assert.False(CramMd5Secret.Verify(CramMd5Secret.Compute("tanstaaftanstaaf"), "<1896.697170952@postoffice.reston.mci.net>", response));

    [Theory]
    [InlineData("", "<1@x>")]
    [InlineData("pw", "")]
    [InlineData("exactly-sixty-four-bytes-of-key-material-for-the-hmac-block-....", "<2@x>")]
    [InlineData("sixty-five-bytes-of-key-material-which-is-hashed-first-rfc-2104!!", "<3@x>")]
    [InlineData("ünïcödé パスワード", "<4.5@host.example>")]
    [InlineData("a much longer password that runs well past one block of sixty-four bytes, to be hashed", "<a challenge that is itself longer than one MD5 block of sixty-four bytes, to cross it>")]
    public void The_secret_gives_the_same_digest_as_the_platform_HMAC_MD5(string password, string challenge)
    {
        var expected = HMACMD5.HashData(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(challenge));
        var secret = CramMd5Secret.Compute(password);
        Assert.Equal(expected, CramMd5Secret.Digest(secret, Encoding.UTF8.GetBytes(challenge)));
        Assert.True(CramMd5Secret.Verify(secret, challenge, Convert.ToHexStringLower(expected)));
    }

    [Fact]
    public void The_secret_is_not_the_password()
    {
        var secret = CramMd5Secret.Compute("tanstaaftanstaaf");
        Assert.DoesNotContain("tanstaaf", Encoding.Latin1.GetString(secret), StringComparison.Ordinal);
        Assert.NotEqual(secret, CramMd5Secret.Compute("tanstaaftanstaag"));
    }

    // ------------------------------------------------------------------ Digest HA1 (RFC 2617)

    [Fact]
    public void The_RFC_2617_example_gives_its_HA1_and_response()
    {
        // RFC 2617 §3.5: Mufasa / testrealm@host.com / "Circle Of Life".
        var ha1 = DigestHa1.Compute("Mufasa", "testrealm@host.com", "Circle Of Life");
        Assert.Equal(DigestHa1.Length, ha1.Length);
        Assert.Equal("939e7578ed9e3c518a452acee763bce9", Convert.ToHexStringLower(ha1));
        var ha2 = Convert.ToHexStringLower(MD5.HashData("GET:/dir/index.html"u8));
        var response = MD5.HashData(Encoding.ASCII.GetBytes($"{Convert.ToHexStringLower(ha1)}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:{ha2}"));
        Assert.Equal("6629fae49393a05397450978507c4ef1", Convert.ToHexStringLower(response));
    }
}
