using System.Text;
using Imap.Protocol;
using Imap.Session;

namespace Imap.Tests.Protocol;

public sealed class CommandParserTests
{
    private static CommandParser Parser(string text) => new(Encoding.UTF8.GetBytes(text), ImapLimits.Default);

    [Fact]
    public void Reads_tag_atom_quoted_and_literal()
    {
        var p = Parser("a1 LOGIN \"al\\\"ice\" {7}\r\nsec ret");
        Assert.Equal("a1", p.Tag());
        p.Space();
        Assert.Equal("LOGIN", p.Atom());
        p.Space();
        Assert.Equal("al\"ice", p.AString());
        p.Space();
        Assert.Equal("sec ret", p.AString());
        p.End();
    }

    [Theory]
    [InlineData("\"unterminated")]
    [InlineData("\"bad \\x escape\"")]
    [InlineData("{10}\r\nshort")]
    [InlineData("{3}no-crlf")]
    public void Malformed_strings_are_BAD(string text)
    {
        var p = Parser(text);
        Assert.Throws<ImapParseException>(() => p.AString());
    }

    [Fact]
    public void Mailbox_names_are_decoded_and_INBOX_normalised()
    {
        Assert.Equal("INBOX", Parser("inbox").Mailbox());
        Assert.Equal("INBOX/sub", Parser("Inbox/sub").Mailbox());
        Assert.Equal("Entwürfe", Parser("Entw&APw-rfe").Mailbox());
        Assert.Throws<ImapParseException>(() => Parser("Entw&APw").Mailbox());
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_BAD()
    {
        var deep = new string('(', 40) + "ALL" + new string(')', 40);
        var p = Parser(deep);
        Assert.Throws<ImapParseException>(() => SearchKey.ParseAll(p));
    }

    [Fact]
    public void Unbalanced_parentheses_are_BAD()
    {
        Assert.Throws<ImapParseException>(() => SearchKey.ParseAll(Parser("(SEEN (FLAGGED)")));
        Assert.Throws<ImapParseException>(() => FetchItem.ParseList(Parser("(FLAGS UID")));
    }

    [Fact]
    public void Search_keys_parse_into_a_tree()
    {
        var key = SearchKey.ParseAll(Parser("OR SEEN (FLAGGED NOT DELETED) UID 1:* SINCE 1-Feb-2024 HEADER X-Tag \"a b\""));
        var and = Assert.IsType<SearchKey.And>(key);
        Assert.IsType<SearchKey.Or>(and.Keys[0]);
        Assert.IsType<SearchKey.Uids>(and.Keys[1]);
        Assert.Equal(new DateOnly(2024, 2, 1), Assert.IsType<SearchKey.InternalDate>(and.Keys[2]).Date);
        Assert.Equal(new SearchKey.Header("X-TAG", "a b"), and.Keys[3]);
        Assert.Throws<ImapParseException>(() => SearchKey.ParseAll(Parser("SINCE 31-Feb-2024")));
        Assert.Throws<ImapParseException>(() => SearchKey.ParseAll(Parser("FROBNICATE")));
    }

    [Fact]
    public void Fetch_items_with_sections_and_partials()
    {
        var items = FetchItem.ParseList(Parser("(UID BODY.PEEK[HEADER.FIELDS (Subject From)] BODY[1.2.MIME] BODY[]<0.100> RFC822.SIZE)"));
        Assert.Equal(5, items.Count);
        Assert.Equal("BODY[HEADER.FIELDS (SUBJECT FROM)]", items[1].Label);
        Assert.True(items[1].Peek);
        Assert.Equal([1, 2], items[2].Path);
        Assert.Equal("MIME", items[2].Specifier);
        Assert.Equal("BODY[]<0>", items[3].Label);
        Assert.Equal(100, items[3].PartialLength);
        Assert.Equal(4, FetchItem.ParseList(Parser("ALL")).Count);
        Assert.Throws<ImapParseException>(() => FetchItem.ParseList(Parser("BODY[FOO]")));
        Assert.Throws<ImapParseException>(() => FetchItem.ParseList(Parser("BODY[0]")));
    }

    [Fact]
    public void Internal_dates_round_trip()
    {
        var d = new DateTimeOffset(2024, 3, 5, 7, 8, 9, TimeSpan.FromHours(-5));
        var text = ImapSession.FormatInternalDate(d);
        Assert.Equal(" 5-Mar-2024 07:08:09 -0500", text);
        Assert.True(ImapSession.TryParseInternalDate(text, out var back));
        Assert.Equal(d, back);
        Assert.False(ImapSession.TryParseInternalDate("32-Mar-2024 07:08:09 +0000", out _));
    }

    [Fact]
    public void Header_fields_are_filtered_with_their_folded_lines()
    {
        var header = Encoding.ASCII.GetBytes("Subject: hi\r\n there\r\nFrom: a@b\r\nTo: c@d\r\n\r\n");
        Assert.Equal("Subject: hi\r\n there\r\n\r\n", Encoding.ASCII.GetString(SectionLocator.FilterHeader(header, ["SUBJECT"], exclude: false)));
        Assert.Equal("From: a@b\r\nTo: c@d\r\n\r\n", Encoding.ASCII.GetString(SectionLocator.FilterHeader(header, ["SUBJECT"], exclude: true)));
    }
}
