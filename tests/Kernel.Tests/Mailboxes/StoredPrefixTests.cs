using System.Text;
using Kernel.Abstractions;
using Kernel.Mailboxes;
using Kernel.Mailboxes.Structure;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Mailboxes;

/// <summary>
/// Return-Path on local delivery as a stored per-message prefix (RFC 5321 §4.4, 012_message_prefix.sql): the body
/// file stays the one shared file, and every reader of the mailbox store — whole message, byte ranges, the cached
/// structure, sizes, SEARCH, COPY/MOVE, APPEND of a read message — sees prefix + body as one message.
/// </summary>
public sealed class StoredPrefixTests : IDisposable
{
    private static readonly Principal Alice = U("alice");
    private static readonly byte[] Prefix = Encoding.ASCII.GetBytes("Return-Path: <sender@remote.example>\r\n");

    private const string Multipart =
        "From: a@b.example\r\nSubject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
        "--b\r\nContent-Type: text/plain\r\n\r\nfirst\r\n" +
        "--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: inner@x.example\r\nSubject: inner\r\n\r\ninner body\r\n" +
        "--b--\r\n";

    private readonly MailboxTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private async Task<Kernel.Storage.StoredBody> BodyAsync(string text)
    {
        await using var source = new MemoryStream(Encoding.UTF8.GetBytes(text));
        return await _bed.Bodies.WriteAsync(source);
    }

    private async Task<uint> DeliverAsync(Kernel.Storage.StoredBody body, string owner = "alice", string mailbox = "INBOX")
    {
        var result = Assert.Single(await _bed.Store.DeliverAsync([new LocalDeliveryItem(A(owner), mailbox, body, Prefix: Prefix)]));
        Assert.Null(result.Error);
        return result.Appended!.Uid;
    }

    private static async Task<string> ReadAsync(MessageBody body)
    {
        await using var stream = body.OpenRead();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    private static async Task<string> SliceAsync(IMailboxView view, uint uid, long offset, long length)
    {
        await using var stream = await view.OpenRangeAsync(uid, offset, length);
        using var reader = new StreamReader(stream!, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    [Fact]
    public async Task A_delivered_message_reads_as_prefix_and_body_and_the_body_file_is_shared()
    {
        const string text = "From: a@b.example\r\nSubject: hi\r\n\r\nbody\r\n";
        var body = await BodyAsync(text);
        await DeliverAsync(body);
        await DeliverAsync(body, "bob");

        var stored = (await _bed.Store.OpenMessageAsync(Alice, "INBOX", 1))!;
        var expected = Encoding.ASCII.GetString(Prefix) + text;
        Assert.Equal(expected, await ReadAsync(stored));
        Assert.Equal(expected.Length, stored.Length);
        // RFC822.SIZE, quota and SEARCH LARGER count the prefix; the file holds only the body, once for both.
        Assert.Equal(expected.Length, Assert.Single(await _bed.Store.FetchAsync(Alice, "INBOX", UidSet.All)).Size);
        Assert.Equal(expected.Length, (await _bed.Store.GetStatusAsync(Alice, "INBOX")).Size);
        Assert.Equal(text.Length, (await ReadAsync(_bed.Bodies.Open(body.Id, body.Length))).Length);
        Assert.Equal(2, _bed.BodyRefs(body.Id));
        await using var view = await _bed.Store.OpenAsync(Alice, "INBOX");
        Assert.Equal([1u], await view.SearchAsync(new MessageQuery { LargerThan = text.Length }));
        Assert.Empty(await view.SearchAsync(new MessageQuery { LargerThan = expected.Length }));
    }

    [Theory]
    [InlineData("From: a@b.example\r\nSubject: plain\r\n\r\nline one\r\nline two\r\n")]
    [InlineData(Multipart)]
    public async Task The_structure_is_that_of_prefix_and_body_parsed_as_one_message(string text)
    {
        var uid = await DeliverAsync(await BodyAsync(text));
        await using var view = await _bed.Store.OpenAsync(Alice, "INBOX");
        var structure = (await view.GetStructureAsync(uid))!;

        MessageStructure whole;
        await using (var stream = new MemoryStream([.. Prefix, .. Encoding.UTF8.GetBytes(text)]))
            whole = await MessageStructureReader.ReadAsync(stream, CancellationToken.None);
        Assert.Equal(MessageStructureReader.Serialize(whole), MessageStructureReader.Serialize(structure));
        // BODY[HEADER] starts with the Return-Path; BODY[TEXT] is the body's text.
        var header = await SliceAsync(view, uid, 0, structure.HeaderLength);
        Assert.StartsWith("Return-Path: <sender@remote.example>\r\nFrom: a@b.example\r\n", header, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", header, StringComparison.Ordinal);
        Assert.Equal(text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..], await SliceAsync(view, uid, structure.Body.BodyOffset, structure.Body.BodyLength));
        // The cache holds the shared body's structure once, not one per prefix.
        await using var again = await _bed.Store.OpenAsync(Alice, "INBOX");
        Assert.Equal(MessageStructureReader.Serialize(structure), MessageStructureReader.Serialize((await again.GetStructureAsync(uid))!));
    }

    [Fact]
    public async Task Byte_ranges_across_the_prefix_and_body_boundary_agree_with_the_whole_message()
    {
        const string text = "Subject: r\r\n\r\n0123456789";
        var uid = await DeliverAsync(await BodyAsync(text));
        await using var view = await _bed.Store.OpenAsync(Alice, "INBOX");
        var whole = Encoding.ASCII.GetString(Prefix) + text;
        foreach (var offset in new[] { 0, 1, Prefix.Length - 3, Prefix.Length - 1, Prefix.Length, Prefix.Length + 5, whole.Length - 2, whole.Length + 5 })
        {
            foreach (var length in new[] { 1, 4, 40, 1000 })
            {
                var start = Math.Min(offset, whole.Length);
                Assert.Equal(whole.Substring(start, Math.Min(length, whole.Length - start)), await SliceAsync(view, uid, offset, length));
            }
        }
        await using var stream = (await view.OpenRangeAsync(uid, Prefix.Length - 2, 10))!;
        Assert.Equal(10, stream.Length);
    }

    [Fact]
    public async Task The_batched_read_serves_each_message_exactly_as_the_single_read()
    {
        // Prefixed (delivered) and plain (appended) messages mixed, one expunged: a gap in the UIDs.
        await DeliverAsync(await BodyAsync("Subject: one\r\n\r\nfirst\r\n"));
        for (var i = 2; i <= 40; i++) await _bed.Store.AppendAsync(Alice, "INBOX", MessageBody.FromBytes(Encoding.ASCII.GetBytes($"Subject: m{i}\r\n\r\nbody {i}\r\n")));
        await DeliverAsync(await BodyAsync("Subject: last\r\n\r\nlast\r\n"));
        await using var view = await _bed.Store.OpenAsync(Alice, "INBOX");
        await view.StoreFlagsAsync(UidSet.Of(7), new FlagChange(FlagChangeMode.Add, MessageFlags.Deleted, []));
        Assert.Equal([7u], await view.ExpungeAsync());

        async Task<List<(uint Uid, string Text, long Length)>> BatchAsync(UidSet uids)
        {
            var read = new List<(uint, string, long)>();
            await foreach (var (uid, body) in view.OpenMessagesAsync(uids)) read.Add((uid, await ReadAsync(body), body.Length));
            return read;
        }
        var all = await BatchAsync(UidSet.All);
        Assert.Equal(Enumerable.Range(1, 41).Where(u => u != 7).Select(u => (uint)u), all.Select(m => m.Uid));
        foreach (var (uid, text, length) in all)
        {
            var single = (await view.OpenMessageAsync(uid))!;
            Assert.Equal(await ReadAsync(single), text);
            Assert.Equal(single.Length, length);
        }
        Assert.StartsWith("Return-Path: <sender@remote.example>\r\nSubject: one\r\n", all[0].Text, StringComparison.Ordinal);
        Assert.StartsWith("Return-Path: <sender@remote.example>\r\nSubject: last\r\n", all[^1].Text, StringComparison.Ordinal);
        Assert.Equal("Subject: m2\r\n\r\nbody 2\r\n", all[1].Text);

        // A few ranges are filtered in SQL, many (here 33 single UIDs) by the store after the query: same answer.
        Assert.Equal([1u, 3u, 41u], (await BatchAsync(new UidSet([(1, 1), (3, 3), (7, 7), (41, 50)]))).Select(m => m.Uid));
        var odd = Enumerable.Range(0, 33).Select(i => (uint)(2 * i + 1)).ToArray();
        Assert.Equal(odd.Where(u => u != 7 && u <= 41), (await BatchAsync(UidSet.Of(odd))).Select(m => m.Uid));
        Assert.Empty(await BatchAsync(new UidSet([])));
    }

    [Fact]
    public async Task The_batched_structures_are_each_message_s_single_structure_with_its_prefix()
    {
        // Delivered (prefixed) and appended messages, one body delivered twice, one message expunged: a UID gap.
        var shared = await BodyAsync(Multipart);
        await DeliverAsync(shared);
        await _bed.Store.AppendAsync(Alice, "INBOX", MessageBody.FromBytes(Encoding.ASCII.GetBytes(Multipart)));
        await _bed.Store.AppendAsync(Alice, "INBOX", MessageBody.FromBytes(Encoding.ASCII.GetBytes("Subject: gone\r\n\r\nx\r\n")));
        await DeliverAsync(shared);
        await _bed.Store.AppendAsync(Alice, "INBOX", MessageBody.FromBytes(Encoding.ASCII.GetBytes("Subject: plain\r\n\r\nbody\r\n")));
        await using var view = await _bed.Store.OpenAsync(Alice, "INBOX");
        await view.StoreFlagsAsync(UidSet.Of(3), new FlagChange(FlagChangeMode.Add, MessageFlags.Deleted, []));
        await view.ExpungeAsync();

        async Task<List<(uint Uid, string Json)>> BatchAsync(UidSet uids)
        {
            var read = new List<(uint, string)>();
            await foreach (var (uid, structure) in view.GetStructuresAsync(uids)) read.Add((uid, MessageStructureReader.Serialize(structure)));
            return read;
        }
        // First with nothing cached (parsed and cached by the batch), then from the cache: the same each time.
        var cold = await BatchAsync(UidSet.All);
        Assert.Equal([1u, 2u, 4u, 5u], cold.Select(m => m.Uid));
        foreach (var (uid, json) in cold) Assert.Equal(MessageStructureReader.Serialize((await view.GetStructureAsync(uid))!), json);
        Assert.Equal(cold, await BatchAsync(UidSet.All));
        // The prefix shifts the shared body's structure: the delivered copies differ from the appended one by its length.
        var delivered = (await view.GetStructureAsync(1))!;
        var appended = (await view.GetStructureAsync(2))!;
        Assert.Equal(appended.Size + Prefix.Length, delivered.Size);
        Assert.Equal(appended.Body.BodyOffset + Prefix.Length, delivered.Body.BodyOffset);
        Assert.Equal([(2u, cold[1].Json)], await BatchAsync(new UidSet([(2, 3)])));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Copy_and_move_keep_the_prefix_and_share_the_file(bool move)
    {
        const string text = "Subject: c\r\n\r\nbody\r\n";
        var body = await BodyAsync(text);
        await DeliverAsync(body);
        await _bed.Store.CreateAsync(Alice, "kept");
        await _bed.Store.CopyAsync(Alice, "INBOX", UidSet.Of(1), "kept", move);

        var expected = Encoding.ASCII.GetString(Prefix) + text;
        Assert.Equal(expected, await ReadAsync((await _bed.Store.OpenMessageAsync(Alice, "kept", 1))!));
        Assert.Equal(expected.Length, Assert.Single(await _bed.Store.FetchAsync(Alice, "kept", UidSet.All)).Size);
        Assert.Equal(move ? 1 : 2, _bed.BodyRefs(body.Id));
        Assert.Equal(move ? 0 : 1, (await _bed.Store.GetStatusAsync(Alice, "INBOX")).Messages);
    }

    [Fact]
    public async Task Appending_a_read_message_keeps_its_prefix_and_a_new_message_has_none()
    {
        const string text = "Subject: a\r\n\r\nbody\r\n";
        var body = await BodyAsync(text);
        await DeliverAsync(body);
        await _bed.Store.CreateAsync(Alice, "again");
        var read = (await _bed.Store.OpenMessageAsync(Alice, "INBOX", 1))!;
        await _bed.Store.AppendAsync(Alice, "again", read);
        Assert.Equal(Encoding.ASCII.GetString(Prefix) + text, await ReadAsync((await _bed.Store.OpenMessageAsync(Alice, "again", 1))!));
        Assert.Equal(2, _bed.BodyRefs(body.Id)); // shared, not copied

        // IMAP APPEND of new bytes: stored as sent, no Return-Path.
        await _bed.Store.AppendAsync(Alice, "again", MessageBody.FromBytes(Encoding.ASCII.GetBytes(text)));
        var appended = (await _bed.Store.OpenMessageAsync(Alice, "again", 2))!;
        Assert.Equal(text, await ReadAsync(appended));
        Assert.IsType<Kernel.Storage.StoredBody>(appended);
    }
}
