using System.Text;
using Kernel.Abstractions;
using Kernel.Mailboxes.Structure;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Mailboxes;

/// <summary>
/// Issue 7 §3 "fetching without loading whole bodies": the cached MIME structure of tricky messages, checked by
/// slicing the stored bytes at the offsets it gives, and byte ranges of a stored message.
/// </summary>
public sealed class MessageStructureTests : IDisposable
{
    private static readonly Principal Alice = U("alice");

    private readonly MailboxTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private const string Nested =
        "From: \"=?utf-8?q?Caf=C3=A9_Owner?=\" <owner@cafe.example>\r\n" +
        "To: undisclosed-recipients: a@b.example, \"Dee\" <d@e.example>;\r\n" +
        "Cc: plain@c.example\r\n" +
        "Subject: =?utf-8?q?caf=C3=A9?= news\r\n folded\r\n" +
        "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n" +
        "Message-ID: <m1@cafe.example>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
        "\r\n" +
        "preamble\r\n" +
        "--outer\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "Content-Transfer-Encoding: 8bit\r\n" +
        "Content-Language: en, de\r\n" +
        "\r\n" +
        "Hällo\r\nsecond line\r\n" +
        "--outer\r\n" +
        "Content-Type: message/rfc822\r\n" +
        "Content-Disposition: attachment; filename=\"fwd.eml\"\r\n" +
        "\r\n" +
        "From: inner@x.example\r\n" +
        "Subject: inner\r\n" +
        "\r\n" +
        "inner has no content type\r\n" +
        "--outer\r\n" +
        "Content-Type: multipart/alternative; boundary=inner\r\n" +
        "Content-ID: <alt@x>\r\n" +
        "\r\n" +
        "--inner\r\n" +
        "Content-Type: text/html\r\n" +
        "\r\n" +
        "<p>hi</p>\r\n" +
        "--inner--\r\n" +
        "--outer--\r\n" +
        "epilogue\r\n";

    private async Task<(IMailboxView View, uint Uid)> StoreAsync(string text)
    {
        var appended = await _bed.Store.AppendAsync(Alice, "INBOX", MessageBody.FromBytes(Encoding.UTF8.GetBytes(text)));
        return (await _bed.Store.OpenAsync(Alice, "INBOX"), appended.Uid);
    }

    private static async Task<string> SliceAsync(IMailboxView view, uint uid, long offset, long length)
    {
        await using var stream = await view.OpenRangeAsync(uid, offset, length);
        using var reader = new StreamReader(stream!, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    private static async Task AssertPartAsync(IMailboxView view, uint uid, MessagePartStructure part, string header, string body)
    {
        Assert.Equal(header, await SliceAsync(view, uid, part.HeaderOffset, part.HeaderLength));
        Assert.Equal(body, await SliceAsync(view, uid, part.BodyOffset, part.BodyLength));
        Assert.Equal(part.BodyLength, part.Size);
    }

    [Fact]
    public async Task Nested_multipart_and_message_rfc822_offsets_slice_the_right_bytes()
    {
        var (view, uid) = await StoreAsync(Nested);
        await using var _ = view;
        var s = (await view.GetStructureAsync(uid))!;

        var bytes = Encoding.UTF8.GetBytes(Nested);
        Assert.Equal((0L, (long)bytes.Length), (s.Offset, s.Size));
        var headerEnd = Nested.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
        Assert.Equal(Nested[..headerEnd], await SliceAsync(view, uid, 0, s.HeaderLength)); // BODY[HEADER], blank line included
        Assert.Equal(("multipart", "mixed"), (s.Body.Type, s.Body.Subtype));
        Assert.Contains(s.Body.Parameters, p => p is { Name: "boundary", Value: "outer" });
        Assert.Equal(3, s.Body.Children.Count);

        var text = s.Body.Children[0];
        await AssertPartAsync(view, uid, text,
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\nContent-Language: en, de\r\n\r\n",
            "Hällo\r\nsecond line"); // the CRLF before a boundary belongs to the boundary
        Assert.Equal(("text", "plain", "8bit", 2L), (text.Type, text.Subtype, text.TransferEncoding, text.Lines));
        Assert.Equal(["en", "de"], text.Language);
        Assert.Equal(Encoding.UTF8.GetByteCount("Hällo\r\nsecond line"), text.Size);

        var rfc822 = s.Body.Children[1];
        await AssertPartAsync(view, uid, rfc822,
            "Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"fwd.eml\"\r\n\r\n",
            "From: inner@x.example\r\nSubject: inner\r\n\r\ninner has no content type");
        Assert.Equal(("attachment", "filename", "fwd.eml"), (rfc822.Disposition, rfc822.DispositionParameters.Single().Name, rfc822.DispositionParameters.Single().Value));
        Assert.Equal(4L, rfc822.Lines);
        var inner = rfc822.Embedded!;
        Assert.Equal(rfc822.BodyOffset, inner.Offset);
        Assert.Equal("From: inner@x.example\r\nSubject: inner\r\n\r\n", await SliceAsync(view, uid, inner.Offset, inner.HeaderLength)); // BODY[2.HEADER]
        Assert.Equal("inner", inner.Envelope.Subject);
        // No Content-Type: text/plain; charset=us-ascii, 7BIT (RFC 2045 defaults).
        Assert.Equal(("text", "plain", "7BIT"), (inner.Body.Type, inner.Body.Subtype, inner.Body.TransferEncoding));
        Assert.Equal(("charset", "us-ascii"), (inner.Body.Parameters.Single().Name, inner.Body.Parameters.Single().Value));
        Assert.Equal("inner has no content type", await SliceAsync(view, uid, inner.Body.BodyOffset, inner.Body.BodyLength));

        var alternative = s.Body.Children[2];
        Assert.Equal(("multipart", "alternative", "<alt@x>"), (alternative.Type, alternative.Subtype, alternative.Id));
        Assert.Null(alternative.Lines);
        var html = Assert.Single(alternative.Children);
        await AssertPartAsync(view, uid, html, "Content-Type: text/html\r\n\r\n", "<p>hi</p>");
    }

    [Fact]
    public async Task Envelope_keeps_encoded_words_decodes_names_and_follows_RFC_3501_group_and_default_rules()
    {
        var (view, uid) = await StoreAsync(Nested);
        await using var _ = view;
        var e = (await view.GetStructureAsync(uid))!.Envelope;
        Assert.Equal("=?utf-8?q?caf=C3=A9?= news folded", e.Subject);
        Assert.Equal(("Mon, 1 Jan 2024 10:00:00 +0000", "<m1@cafe.example>", null), (e.Date, e.MessageId, e.InReplyTo));
        var from = Assert.Single(e.From);
        Assert.Equal(("Café Owner", "owner", "cafe.example", null), (from.Name, from.Mailbox, from.Host, from.Route));
        Assert.Equal(e.From, e.Sender);
        Assert.Equal(e.From, e.ReplyTo);
        Assert.Equal(4, e.To.Count);
        Assert.True(e.To[0].IsGroupStart);
        Assert.Equal("undisclosed-recipients", e.To[0].Mailbox);
        Assert.Equal(("a", "b.example"), (e.To[1].Mailbox, e.To[1].Host));
        Assert.Equal(("Dee", "d", "e.example"), (e.To[2].Name, e.To[2].Mailbox, e.To[2].Host));
        Assert.True(e.To[3].IsGroupEnd);
        Assert.Equal("plain", Assert.Single(e.Cc).Mailbox);
        Assert.Empty(e.Bcc);
    }

    [Fact]
    public async Task Eight_bit_headers_and_a_message_without_content_type()
    {
        const string text = "Subject: Grüße aus Köln\r\nFrom: Jörg <joerg@example.com>\r\nReply-To: other@example.com\r\n\r\nline one\r\nline two\r\n";
        var (view, uid) = await StoreAsync(text);
        await using var _ = view;
        var s = (await view.GetStructureAsync(uid))!;
        Assert.Equal("Grüße aus Köln", s.Envelope.Subject);
        Assert.Equal("Jörg", s.Envelope.From.Single().Name);
        Assert.Equal("other", s.Envelope.ReplyTo.Single().Mailbox);
        Assert.Equal(("text", "plain", 2L), (s.Body.Type, s.Body.Subtype, s.Body.Lines));
        Assert.Equal("line one\r\nline two\r\n", await SliceAsync(view, uid, s.Body.BodyOffset, s.Body.BodyLength)); // BODY[TEXT]
        Assert.Equal(s.HeaderLength, s.Body.HeaderLength);
        Assert.Equal(Encoding.UTF8.GetByteCount(text), s.Size);
    }

    [Fact]
    public async Task The_structure_is_computed_once_per_body_cached_and_gone_with_the_body()
    {
        var (view, uid) = await StoreAsync(Nested);
        await using var _ = view;
        var first = (await view.GetStructureAsync(uid))!;
        Assert.Equal(1, Count("SELECT COUNT(*) FROM message_structures"));
        // A copy shares the body and so the cached structure.
        await _bed.Store.CreateAsync(Alice, "copy");
        await _bed.Store.CopyAsync(Alice, "INBOX", UidSet.Of(uid), "copy", move: false);
        await using (var copy = await _bed.Store.OpenAsync(Alice, "copy"))
        {
            Assert.Equal(MessageStructureReader.Serialize(first), MessageStructureReader.Serialize((await copy.GetStructureAsync(1))!));
        }
        Assert.Equal(1, Count("SELECT COUNT(*) FROM message_structures"));
        Assert.Null(await view.GetStructureAsync(99));

        await _bed.Store.DeleteAsync(Alice, "copy");
        await view.StoreFlagsAsync(UidSet.All, new FlagChange(FlagChangeMode.Add, MessageFlags.Deleted, []));
        await view.ExpungeAsync();
        Assert.Equal(0, Count("SELECT COUNT(*) FROM message_structures"));
    }

    [Fact]
    public async Task Byte_ranges_are_cut_at_the_end_of_the_message()
    {
        var (view, uid) = await StoreAsync("Subject: r\r\n\r\n0123456789");
        await using var _ = view;
        Assert.Equal("0123", await SliceAsync(view, uid, 14, 4));
        Assert.Equal("789", await SliceAsync(view, uid, 21, 100));
        Assert.Equal("", await SliceAsync(view, uid, 500, 10));
        Assert.Null(await view.OpenRangeAsync(42, 0, 10));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => view.OpenRangeAsync(uid, -1, 10));
        await using var stream = (await view.OpenRangeAsync(uid, 14, 10))!;
        Assert.Equal(10, stream.Length);
    }

    private long Count(string sql)
    {
        using var connection = _bed.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
