using System.Text;

namespace Imap.Tests.EndToEnd;

/// <summary>
/// FETCH of sections, ENVELOPE and BODYSTRUCTURE and SEARCH HEADER/BODY over many messages read the bodies, structures
/// and header blocks in batches (IMailboxView.OpenMessagesAsync, GetStructuresAsync, ReadHeadersAsync) and look at raw
/// headers before parsing them: every answer is the one a message-by-message read gives.
/// </summary>
[Collection("imap")]
public sealed class BatchedReadTests(ImapServerFixture server)
{
    private static readonly string[] Messages =
    [
        "From: a@example.com\r\nSubject: plain report\r\n\r\nfirst body\r\n",
        "From: b@example.com\r\nSubject: folded\r\n report across lines\r\n\r\nsecond body\r\n",
        "From: c@example.com\r\nSubject: =?utf-8?q?encoded_r=C3=A9port?=\r\n\r\nthird body\r\n",
        "From: d@example.com\r\nSubject: gone\r\n\r\nexpunged\r\n",
        "From: e@example.com\r\nSubject: base64 part\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            Convert.ToBase64String("a hidden needle"u8.ToArray()) + "\r\n",
        "Subject: no blank line, header only",
        "From: f@example.com\nSubject: bare LF lines\n\nbody after bare LF\n",
    ];

    [Fact]
    public async Task Fetch_of_sections_over_many_messages_equals_one_fetch_per_message()
    {
        await using var c = await server.ConnectAsync("gina");
        await SetUpAsync(c, "BatchedFetch");
        const string items = "BODY.PEEK[] BODY.PEEK[HEADER.FIELDS (Subject)] BODY.PEEK[TEXT] BODY.PEEK[]<3.20> BINARY.PEEK[1] RFC822.SIZE ENVELOPE BODYSTRUCTURE";
        var all = (await c.OkAsync($"FETCH 1:* ({items})")).Untagged;
        Assert.Equal(Messages.Length - 1, all.Count);
        for (var n = 1; n <= all.Count; n++)
        {
            Assert.Equal(Assert.Single((await c.OkAsync($"FETCH {n} ({items})")).Untagged), all[n - 1]);
        }
        var expected = Messages.Where((_, i) => i != 3).ToList();
        for (var i = 0; i < expected.Count; i++)
        {
            var m = expected[i];
            Assert.StartsWith($"* {i + 1} FETCH (BODY[] {{{m.Length}}}\r\n{m} ", all[i], StringComparison.Ordinal);
        }
        Assert.Contains("BINARY[1] {15}\r\na hidden needle", all[3]);
        Assert.Contains("BODY[]<3> {20}\r\nm: b@example.com\r\nSu", all[1]);
        // UID FETCH over a UID set with a gap answers the messages that are there.
        Assert.Equal(2, (await c.OkAsync("UID FETCH 3:5 BODY.PEEK[TEXT]")).Untagged.Count);
    }

    [Fact]
    public async Task Header_and_body_search_over_many_messages_find_folded_encoded_and_decoded_text()
    {
        await using var c = await server.ConnectAsync("gina");
        await SetUpAsync(c, "BatchedSearch");
        Assert.Equal("* SEARCH 1 2", (await c.OkAsync("SEARCH SUBJECT report")).Untagged[0]);
        Assert.Equal("* SEARCH 2", (await c.OkAsync("SEARCH HEADER Subject \"folded report\"")).Untagged[0]); // unfolded value
        Assert.Equal("* SEARCH 3", (await c.OkAsync("SEARCH CHARSET UTF-8 SUBJECT {7+}\r\nréport")).Untagged[0]);
        Assert.Equal("* SEARCH 3", (await c.OkAsync("SEARCH HEADER SUBJECT encoded")).Untagged[0]); // RFC 2047 decoded
        Assert.Equal("* SEARCH 5", (await c.OkAsync("SEARCH SUBJECT \"header only\"")).Untagged[0]);
        Assert.Equal("* SEARCH 6", (await c.OkAsync("SEARCH FROM F@EXAMPLE")).Untagged[0]);
        Assert.Equal("* SEARCH 1 2 3 4 6", (await c.OkAsync("SEARCH HEADER From \"\"")).Untagged[0]);
        Assert.Equal("* SEARCH", (await c.OkAsync("SEARCH HEADER Subject xyzzy")).Untagged[0]);
        Assert.Equal("* SEARCH 4", (await c.OkAsync("SEARCH BODY needle")).Untagged[0]);
        Assert.Equal("* SEARCH 1 2 3 6", (await c.OkAsync("SEARCH BODY body")).Untagged[0]);
        Assert.Equal("* SEARCH 1", (await c.OkAsync("SEARCH TEXT \"plain report\"")).Untagged[0]);
    }

    [Fact]
    public async Task Reads_over_more_than_one_batch_and_a_sparse_uid_set_answer_every_message()
    {
        await using var c = await server.ConnectAsync("gina");
        await c.OkAsync("CREATE BatchedLarge");
        // RFC 3502 MULTIAPPEND (at most 1,000 a command): 1,005 messages; then UIDs 500 and 1001 expunged.
        var messages = Enumerable.Range(1, 1005).Select(i => $"Subject: m{i}\r\n\r\nbody {i}\r\n").ToList();
        foreach (var chunk in messages.Chunk(1000))
            await c.OkAsync("APPEND BatchedLarge" + string.Concat(chunk.Select(m => $" {{{m.Length}+}}\r\n{m}")));
        await c.OkAsync("SELECT BatchedLarge");
        await c.OkAsync("UID STORE 500,1001 +FLAGS.SILENT (\\Deleted)");
        await c.OkAsync("EXPUNGE");
        var uids = Enumerable.Range(1, 1005).Where(u => u is not (500 or 1001)).ToList();

        var subjects = (await c.OkAsync("FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (Subject)])")).Untagged;
        Assert.Equal(uids.Select((u, i) => $"* {i + 1} FETCH (UID {u} BODY[HEADER.FIELDS (SUBJECT)] {{{$"Subject: m{u}".Length + 4}}}\r\nSubject: m{u}\r\n\r\n)"), subjects);

        // Every third UID: far more ranges than a statement holds, one batch asked for as its span.
        var sparse = uids.Where(u => u % 3 == 0).ToList();
        var texts = (await c.OkAsync("UID FETCH " + string.Join(',', sparse) + " BODY.PEEK[TEXT]")).Untagged;
        Assert.Equal(sparse.Select(u => $"UID {u} BODY[TEXT] {{{$"body {u}".Length + 2}}}\r\nbody {u}\r\n)"), texts.Select(l => l[(l.IndexOf("UID ", StringComparison.Ordinal))..]));

        Assert.Equal("* SEARCH 1003", (await c.OkAsync("UID SEARCH SUBJECT m1003")).Untagged[0]);
        Assert.Equal("* SEARCH 499 1000", (await c.OkAsync("SEARCH OR BODY \"body 499\" BODY \"body 1002\"")).Untagged[0]);
    }

    [Fact]
    public async Task Header_search_over_cached_blocks_sees_the_return_path_of_delivered_messages()
    {
        // Delivered messages carry their Return-Path as a stored prefix in front of the shared body (RFC 5321 §4.4).
        await server.SubmitAsync("rita@company.dom", "delivered one");
        await server.SubmitAsync("rita@company.dom", "delivered two");
        await using var c = await server.ConnectAsync("rita");
        await SessionTests.WaitForAsync(c, "STATUS INBOX (MESSAGES)", r => r.Untagged[0].Contains("MESSAGES 2"));
        const string appended = "From: x@example.com\r\nSubject: appended three\r\nDate: Tue, 2 Jan 2024 10:00:00 +0000\r\n\r\nbody\r\n";
        await c.OkAsync($"APPEND INBOX {{{appended.Length}+}}\r\n{appended}");
        await c.OkAsync("SELECT INBOX");

        // The first header search fills the store's header cache; the later ones read it.
        Assert.Equal("* SEARCH 1 2", (await c.OkAsync("SEARCH HEADER Return-Path sender@example.org")).Untagged[0]);
        Assert.Equal("* SEARCH 1 2", (await c.OkAsync("SEARCH HEADER Return-Path sender@example.org")).Untagged[0]);
        Assert.Equal("* SEARCH 1 2", (await c.OkAsync("SEARCH SUBJECT DELIVERED")).Untagged[0]);
        Assert.Equal("* SEARCH 1 2 3", (await c.OkAsync("SEARCH OR SUBJECT three HEADER RETURN-PATH \"<sender@\"")).Untagged[0]);
        Assert.Equal("* SEARCH 3", (await c.OkAsync("SEARCH NOT HEADER Return-Path \"\"")).Untagged[0]); // "": has the field
        Assert.Equal("* SEARCH 1 2", (await c.OkAsync("SEARCH SENTON 1-Jan-2024")).Untagged[0]); // the Date field from the block
        Assert.Equal("* SEARCH 3", (await c.OkAsync("SEARCH SENTSINCE 2-Jan-2024 FROM x@example")).Untagged[0]);
        Assert.Equal("* SEARCH 2", (await c.OkAsync("SEARCH 2:3 TO rita")).Untagged[0]);
        // A flag inside OR is evaluated here over each message's summary, beside the header key; FLAGS with \Recent (first SELECT) and a keyword.
        await c.OkAsync("STORE 1 +FLAGS.SILENT (\\Seen $Work)");
        Assert.Equal("* SEARCH 1 3", (await c.OkAsync("SEARCH OR SEEN SUBJECT three")).Untagged[0]);
        Assert.Equal("* SEARCH 2", (await c.OkAsync("SEARCH NOT OR KEYWORD $Work SUBJECT three")).Untagged[0]);
        Assert.Equal("* 1 FETCH (FLAGS (\\Recent \\Seen $Work))", (await c.OkAsync("FETCH 1 FLAGS")).Untagged[0]);
    }

    [Fact]
    public async Task Header_search_the_store_filters_first_keeps_folded_encoded_and_8bit_values_and_drops_body_only_text()
    {
        // The store rules out messages whose cached header cannot hold the text (IMailboxView.FindInHeadersAsync); the
        // rest are parsed here. Each search runs twice: first over an empty header cache, then over the cached blocks.
        await using var c = await server.ConnectAsync("gina");
        await c.OkAsync("CREATE HeaderFilter");
        string[] messages =
        [
            "Subject: the budget\r\n review for May\r\n\r\nbody\r\n", // the text across a folded line
            "Subject: =?utf-8?q?budget_r=C3=A9view?=\r\n\r\nbody\r\n", // decoded: "budget r\u00e9view"
            "Subject: =?us-ascii?q?budget_review?=\r\n\r\nbody\r\n", // decoded: "budget review"
            "Subject: minutes\r\n\r\nthe budget review is only in this body\r\n",
            "Subject: budget r\u00e9view in 8-bit\r\n\r\nbody\r\n",
            "From: budget review <x@example.com>\r\nSubject: other field\r\n\r\nbody\r\n",
            "Subject: BUDGET REVIEW, upper case\r\n\r\nbody\r\n",
        ];
        foreach (var m in messages) await c.OkAsync($"APPEND HeaderFilter {{{Encoding.UTF8.GetByteCount(m)}+}}\r\n{m}");
        await c.OkAsync("SELECT HeaderFilter");
        await c.OkAsync("STORE 7 +FLAGS.SILENT (\\Flagged)");
        for (var round = 0; round < 2; round++)
        {
            Assert.Equal("* SEARCH 1 3 7", (await c.OkAsync("SEARCH SUBJECT \"budget review\"")).Untagged[0]);
            Assert.Equal("* SEARCH 6", (await c.OkAsync("SEARCH HEADER From \"budget review\"")).Untagged[0]);
            Assert.Equal("* SEARCH 2 5", (await c.OkAsync("SEARCH CHARSET UTF-8 SUBJECT {14+}\r\nbudget r\u00e9view")).Untagged[0]);
            Assert.Equal("* SEARCH 7", (await c.OkAsync("SEARCH FLAGGED SUBJECT \"budget review\"")).Untagged[0]);
            Assert.Equal("* SEARCH 1", (await c.OkAsync("SEARCH SUBJECT budget SUBJECT may")).Untagged[0]);
            Assert.Equal("* SEARCH 4", (await c.OkAsync("SEARCH BODY \"budget review\" NOT SUBJECT budget")).Untagged[0]);
            Assert.Equal("* SEARCH", (await c.OkAsync("SEARCH SUBJECT \"budget  review\"")).Untagged[0]);
        }
    }

    /// <summary>The messages in a new mailbox, the fourth expunged (a UID gap), selected.</summary>
    private static async Task SetUpAsync(RawImapClient c, string mailbox)
    {
        await c.OkAsync($"CREATE {mailbox}");
        foreach (var m in Messages) await c.OkAsync($"APPEND {mailbox} {{{Encoding.UTF8.GetByteCount(m)}+}}\r\n{m}");
        await c.OkAsync($"SELECT {mailbox}");
        await c.OkAsync("STORE 4 +FLAGS.SILENT (\\Deleted)");
        await c.OkAsync("EXPUNGE");
    }
}
