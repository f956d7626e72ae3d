using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Imap.Protocol;
using Imap.Session;

namespace Imap.Tests.Protocol;

/// <summary>
/// RFC 6855 §3 mailbox names after <c>ENABLE UTF8=ACCEPT</c>: read as UTF-8 (quoted, literal, or a bare atom as some
/// clients send), without control characters, '&amp;' an ordinary character; written as UTF-8. Without
/// it the same names travel as modified UTF-7, so both kinds of client name the same mailbox.
/// </summary>
public sealed class Utf8MailboxNameTests
{
    private static CommandParser Parser(string text, bool utf8) =>
        new(Encoding.UTF8.GetBytes(text), ImapLimits.Default) { Utf8Names = utf8 };

    [Theory]
    [InlineData("\"Küche & Café\"", "Küche & Café")]
    [InlineData("Grüße", "Grüße")] // bare UTF-8 atom (python imaplib sends names unquoted)
    [InlineData("{7}\r\nGrüße", "Grüße")]
    [InlineData("\"&Jjo-\"", "&Jjo-")] // not modified UTF-7 any more: taken as typed
    [InlineData("inbox", "INBOX")]
    [InlineData("\"Inbox/Entwürfe\"", "INBOX/Entwürfe")]
    public void After_ENABLE_names_are_UTF8(string wire, string name)
    {
        Assert.Equal(name, Parser(wire, utf8: true).Mailbox());
    }

    [Theory]
    [InlineData("K&APw-che&-Caf&AOk-", "Küche&Café")]
    [InlineData("Gr&APwA3w-e", "Grüße")]
    public void Without_it_the_same_names_are_modified_UTF7(string wire, string name)
    {
        Assert.Equal(name, Parser(wire, utf8: false).Mailbox());
        Assert.Equal(wire, ModifiedUtf7.Encode(name));
    }

    [Theory]
    [InlineData("\"a\u0001b\"")]
    [InlineData("{3}\r\na\u007fb")]
    public void Control_characters_are_BAD(string wire)
    {
        Assert.Throws<ImapParseException>(() => Parser(wire, utf8: true).Mailbox());
    }

    [Fact]
    public void Invalid_UTF8_is_BAD()
    {
        byte[] atom = [(byte)'a', 0xC3, 0x28]; // a broken two-byte sequence
        Assert.Throws<ImapParseException>(() => new CommandParser(atom, ImapLimits.Default) { Utf8Names = true }.Mailbox());
        byte[] literal = [.. "{2}\r\n"u8, 0xFF, (byte)'x'];
        Assert.Throws<ImapParseException>(() => new CommandParser(literal, ImapLimits.Default) { Utf8Names = true }.Mailbox());
    }

    [Fact]
    public void Eight_bit_names_need_UTF8_enabled()
    {
        Assert.Throws<ImapParseException>(() => Parser("\"Grüße\"", utf8: false).Mailbox());
        var bare = Parser("Grüße", utf8: false);
        Assert.Throws<ImapParseException>(() =>
        {
            bare.Mailbox();
            bare.End(); // the atom stops at the first 8-bit byte
        });
    }

    [Fact]
    public void List_patterns_follow_the_mode()
    {
        Assert.Equal("Grü*", Parser("Grü*", utf8: true).ListMailbox());
        Assert.Equal("Grü%", Parser("Gr&APw-%", utf8: false).ListMailbox());
    }

    [Theory]
    [InlineData("Küche & Café", true, "\"Küche & Café\"")]
    [InlineData("Grüße", true, "\"Grüße\"")]
    [InlineData("a&b", true, "a&b")]
    [InlineData("INBOX", true, "INBOX")]
    [InlineData("Küche & Café", false, "\"K&APw-che &- Caf&AOk-\"")]
    [InlineData("Grüße", false, "Gr&APwA3w-e")]
    [InlineData("a&b", false, "a&-b")]
    public async Task Names_are_written_in_the_session_mode(string name, bool utf8, string wire)
    {
        var pipe = new Pipe();
        var writer = new ResponseWriter(() => pipe.Writer) { Utf8Names = utf8 };
        writer.Mailbox(name);
        await writer.FlushAsync(default);
        pipe.Writer.Complete();
        Assert.True(pipe.Reader.TryRead(out var result));
        Assert.Equal(wire, Encoding.UTF8.GetString(result.Buffer.ToArray()));
    }
}
