using System.Text;
using Kernel.Abstractions;
using Kernel.Mailboxes;
using static Kernel.Tests.Mailboxes.MailboxTestBed;

namespace Kernel.Tests.Mailboxes;

/// <summary>
/// The header cache behind <see cref="IMailboxView.ReadHeadersAsync"/> (013_message_headers.sql): one row per stored
/// body, filled by the first read that needs it (so bodies stored before the migration are covered), answering every
/// later read without the file; a delivered message's Return-Path prefix in front; an over-long header left out.
/// </summary>
public sealed class MessageHeaderCacheTests : IDisposable
{
    private static readonly Principal Alice = U("alice");
    private static readonly byte[] Prefix = Encoding.ASCII.GetBytes("Return-Path: <sender@remote.example>\r\n");

    private readonly MailboxTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private async Task<Kernel.Storage.StoredBody> BodyAsync(string text)
    {
        await using var source = new MemoryStream(Encoding.UTF8.GetBytes(text));
        return await _bed.Bodies.WriteAsync(source);
    }

    private async Task DeliverAsync(Kernel.Storage.StoredBody body, string owner = "alice") =>
        Assert.Null(Assert.Single(await _bed.Store.DeliverAsync([new LocalDeliveryItem(A(owner), "INBOX", body, Prefix: Prefix)])).Error);

    private Task AppendAsync(string text) => _bed.Store.AppendAsync(Alice, "INBOX", MessageBody.FromBytes(Encoding.UTF8.GetBytes(text)));

    private static async Task<List<(uint Uid, string Header)>> HeadersAsync(IMailboxView view, UidSet uids)
    {
        var read = new List<(uint, string)>();
        await foreach (var (uid, header) in view.ReadHeadersAsync(uids)) read.Add((uid, Encoding.UTF8.GetString(header.Span)));
        return read;
    }

    private long Scalar(string sql, string? bodyId = null)
    {
        using var connection = _bed.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (bodyId is not null) command.Parameters.AddWithValue("$id", bodyId);
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public async Task Header_blocks_are_cut_at_the_empty_line_with_the_prefix_in_front_and_cached_once_per_body()
    {
        await AppendAsync("From: a@b.example\r\nSubject: plain\r\n\r\nbody\r\n\r\nmore\r\n");
        await AppendAsync("Subject: folded\r\n across\r\n\r\nbody\r\n");
        await AppendAsync("Subject: header only, no empty line");
        await AppendAsync("From: f@example.com\nSubject: bare LF\n\nbody\n");
        await AppendAsync("\r\nno header at all\r\n");
        var shared = await BodyAsync("Subject: delivered\r\n\r\nto two\r\n");
        await DeliverAsync(shared);
        await DeliverAsync(shared, "bob");
        // Nothing is cached at store time: the first read fills the cache (a body stored before 013 is the same case).
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM message_headers"));

        await using var view = await _bed.Store.OpenAsync(Alice, "INBOX");
        var expected = new List<(uint, string)>
        {
            (1, "From: a@b.example\r\nSubject: plain\r\n"),
            (2, "Subject: folded\r\n across\r\n"),
            (3, "Subject: header only, no empty line"),
            (4, "From: f@example.com\nSubject: bare LF\n"),
            (5, ""),
            (6, "Return-Path: <sender@remote.example>\r\nSubject: delivered\r\n"),
        };
        Assert.Equal(expected, await HeadersAsync(view, UidSet.All));
        Assert.Equal(6, Scalar("SELECT COUNT(*) FROM message_headers"));
        // The cached rows answer the next read: the same blocks, and no new rows for bob's copy of the shared body.
        Assert.Equal(expected, await HeadersAsync(view, UidSet.All));
        await using var bobs = await _bed.Store.OpenAsync(U("bob"), "INBOX");
        Assert.Equal([(1u, "Return-Path: <sender@remote.example>\r\nSubject: delivered\r\n")], await HeadersAsync(bobs, UidSet.All));
        Assert.Equal(6, Scalar("SELECT COUNT(*) FROM message_headers"));
        // The cache holds the body's block alone (the prefix is per mailbox row).
        Assert.Equal("Subject: delivered\r\n"u8.ToArray(), ReadCached(shared.Id));
    }

    [Fact]
    public async Task A_cached_row_is_what_is_served_and_a_missing_one_is_filled_again_from_the_file()
    {
        await AppendAsync("Subject: original\r\n\r\nbody\r\n");
        await using var view = await _bed.Store.OpenAsync(Alice, "INBOX");
        Assert.Equal([(1u, "Subject: original\r\n")], await HeadersAsync(view, UidSet.All));
        var bodyId = (await view.OpenMessageAsync(1) as Kernel.Storage.StoredBody)!.Id;

        // Proof that reads come from the cache, not the file: a changed row is what the view returns.
        Execute("UPDATE message_headers SET header = CAST('Subject: from the cache' || char(13) || char(10) AS BLOB) WHERE body_id = $id", bodyId);
        Assert.Equal([(1u, "Subject: from the cache\r\n")], await HeadersAsync(view, UidSet.All));
        // A database migrated from before 013 has no rows: the next read reads the file and caches it again.
        Execute("DELETE FROM message_headers", null);
        Assert.Equal([(1u, "Subject: original\r\n")], await HeadersAsync(view, UidSet.All));
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM message_headers WHERE body_id = $id", bodyId));
    }

    [Fact]
    public async Task Uid_sets_gaps_and_many_ranges_give_the_messages_that_are_there()
    {
        for (var i = 1; i <= 40; i++) await AppendAsync($"Subject: m{i}\r\n\r\nbody {i}\r\n");
        await using var view = await _bed.Store.OpenAsync(Alice, "INBOX");
        Assert.Equal(40, (await HeadersAsync(view, UidSet.All)).Count);
        await view.StoreFlagsAsync(UidSet.Of(7), new FlagChange(FlagChangeMode.Add, MessageFlags.Deleted, []));
        await view.ExpungeAsync();
        // The expunged message's body went, and its cached header with it (ON DELETE CASCADE).
        Assert.Equal(39, Scalar("SELECT COUNT(*) FROM message_headers"));

        Assert.Equal([(1u, "Subject: m1\r\n"), (3u, "Subject: m3\r\n"), (40u, "Subject: m40\r\n")],
            await HeadersAsync(view, new UidSet([(1, 1), (3, 3), (7, 7), (40, 50)])));
        var odd = Enumerable.Range(0, 33).Select(i => (uint)(2 * i + 1)).ToArray(); // more ranges than one statement binds
        Assert.Equal(odd.Where(u => u is not 7 and <= 40), (await HeadersAsync(view, UidSet.Of(odd))).Select(h => h.Uid));
        Assert.Empty(await HeadersAsync(view, new UidSet([])));
    }

    [Fact]
    public async Task A_header_longer_than_the_cap_is_left_out_and_remembered_as_such()
    {
        var longField = "X-Long: " + new string('a', MessageHeaderBlock.MaxLength) + "\r\n";
        await AppendAsync("Subject: short\r\n\r\nbody\r\n");
        await AppendAsync(longField + "Subject: long\r\n\r\nbody\r\n");
        await using var view = await _bed.Store.OpenAsync(Alice, "INBOX");
        Assert.Equal([1u], (await HeadersAsync(view, UidSet.All)).Select(h => h.Uid));
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM message_headers WHERE header IS NULL"));
        Assert.Equal([1u], (await HeadersAsync(view, UidSet.All)).Select(h => h.Uid));
    }

    [Theory]
    [InlineData("Subject: a\r\n\r\nbody", "Subject: a\r\n")]
    [InlineData("Subject: a\n\nbody", "Subject: a\n")]
    [InlineData("\r\nbody", "")]
    [InlineData("Subject: no end", "Subject: no end")]
    [InlineData("", "")]
    public async Task The_sdk_default_cuts_the_block_as_the_store_does(string message, string header)
    {
        // Read in one-byte pieces: the empty line straddles reads.
        await using var stream = new OneByteStream(Encoding.ASCII.GetBytes(message));
        Assert.Equal(header, Encoding.ASCII.GetString((await MessageHeaderBlock.ReadAsync(stream, CancellationToken.None))!));
    }

    private byte[] ReadCached(string bodyId)
    {
        using var connection = _bed.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT header FROM message_headers WHERE body_id = $id";
        command.Parameters.AddWithValue("$id", bodyId);
        return (byte[])command.ExecuteScalar()!;
    }

    private void Execute(string sql, string? bodyId)
    {
        using var connection = _bed.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (bodyId is not null) command.Parameters.AddWithValue("$id", bodyId);
        command.ExecuteNonQuery();
    }

    private sealed class OneByteStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}
