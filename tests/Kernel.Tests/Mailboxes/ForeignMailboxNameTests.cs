using Kernel.Abstractions;
using Kernel.Mailboxes;

namespace Kernel.Tests.Mailboxes;

/// <summary>The one foreign-name parser (mailboxes.md §3); every spec form is a row.</summary>
public sealed class ForeignMailboxNameTests
{
    public static TheoryData<string, string?, string?, string?> Rows => new()
    {
        // text, account, domain, rest (account null: not a foreign name)
        { "~acct/box", "acct", null, "box" },
        { "~acct@dom.example/box", "acct", "dom.example", "box" },
        { "~acct/box/sub", "acct", null, "box/sub" },
        { "~acct@dom/box/sub", "acct", "dom", "box/sub" },
        { "~acct/", "acct", null, "" },                  // the rest is the caller's to judge (LIST "~acct/" is a pattern)
        { "~acct/%", "acct", null, "%" },                // a LIST pattern after the account part
        { "~Mixed.Case-1/INBOX", "Mixed.Case-1", null, "INBOX" },
        { "~/x", null, null, null },                      // §3: empty account part
        { "~", null, null, null },
        { "~acct", null, null, null },                    // no '/'
        { "~acct@/box", null, null, null },               // empty domain
        { "~@dom/box", null, null, null },
        { "~a@b@c/box", null, null, null },
        { "~*/box", null, null, null },                   // §5.2: the account part is never a wildcard
        { "~a%/box", null, null, null },
        { "~.acct/box", null, null, null },               // §2.2: no '.' first
        { "~acct@-dom/box", null, null, null },
        { "~ac ct/box", null, null, null },
        { "acct/box", null, null, null },                 // own name
        { "", null, null, null },
        { "INBOX", null, null, null },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Parses_the_section_3_forms(string text, string? account, string? domain, string? rest)
    {
        var parsed = ForeignMailboxName.TryParse(text, out var name);
        Assert.Equal(account is not null, parsed);
        if (!parsed) return;
        Assert.Equal(account, name!.Account);
        Assert.Equal(domain, name.Domain);
        Assert.Equal(rest, name.Rest);
        // The account part and prefix are the typed text, so a name is echoed back unchanged (§3).
        Assert.StartsWith(name.Prefix, text, StringComparison.Ordinal);
        Assert.Equal(text, name.Prefix + name.Rest);
    }

    [Theory]
    [InlineData("~acct/box", true)]
    [InlineData("~/x", true)]      // foreign in intent, refused by TryParse: never an own name either (§2.1)
    [InlineData("acct/box", false)]
    [InlineData("", false)]
    public void Foreign_means_a_leading_tilde(string text, bool foreign) => Assert.Equal(foreign, ForeignMailboxName.IsForeign(text));

    [Theory]
    [InlineData("~x y/INBOX", "x y", "INBOX")]   // the form holds; the account part is the caller's to explain (CLI)
    [InlineData("~/x", "", "x")]
    public void Split_keeps_the_form_only(string text, string accountPart, string rest)
    {
        Assert.True(ForeignMailboxName.TrySplit(text, out var a, out var r));
        Assert.Equal((accountPart, rest), (a, r));
        Assert.False(ForeignMailboxName.TrySplit("~acct", out _, out _));
        Assert.False(ForeignMailboxName.TrySplit("acct/box", out _, out _));
    }

    [Fact]
    public void The_owner_is_the_default_domain_unless_the_name_has_one()
    {
        Assert.True(ForeignMailboxName.TryParse("~Bob/box", out var plain));
        Assert.Equal(new AccountAddress("bob", "main.dom"), plain!.Owner("main.dom"));
        Assert.Null(plain.Owner(null));
        Assert.True(ForeignMailboxName.TryParse("~bob@Other.dom/box", out var qualified));
        Assert.Equal(new AccountAddress("bob", "other.dom"), qualified!.Owner("main.dom"));
    }
}
