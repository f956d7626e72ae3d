using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace Imap.Tests.EndToEnd;

/// <summary>MailKit's ImapClient against the plugin: STARTTLS and implicit TLS, folders, APPEND, FETCH, SEARCH, ACL and QRESYNC.</summary>
[Collection("imap")]
public sealed class MailKitTests(ImapServerFixture server)
{
    private async Task<ImapClient> ConnectAsync(string user, bool implicitTls = false)
    {
        var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 20_000 };
        if (implicitTls) await client.ConnectAsync("127.0.0.1", server.ImapsPort, SecureSocketOptions.SslOnConnect);
        else await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.StartTls);
        await client.AuthenticateAsync(user, ImapServerFixture.Password);
        return client;
    }

    private static MimeMessage Message(string subject) => new()
    {
        From = { new MailboxAddress("Sender Ü", "sender@example.org") },
        To = { new MailboxAddress("", "alice@company.dom") },
        Subject = subject,
        Body = new Multipart("mixed")
        {
            new TextPart("plain") { Text = "Body of " + subject },
            new MimePart("application", "octet-stream") { FileName = "a.bin", Content = new MimeContent(new MemoryStream(new byte[300])) },
        },
    };

    [Fact]
    public async Task Append_fetch_search_and_flags_over_STARTTLS()
    {
        using var client = await ConnectAsync("alice");
        Assert.True(client.IsSecure);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Acl));
        var folder = await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync("MailKit", true) ?? throw new InvalidOperationException("CREATE");
        var uid = await folder.AppendAsync(Message("first"), MessageFlags.Flagged);
        await folder.AppendAsync(Message("second"));
        Assert.Equal(1u, uid!.Value.Id);
        await folder.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(2, folder.Count);
        var summaries = await folder.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.Envelope | MessageSummaryItems.BodyStructure | MessageSummaryItems.Size);
        Assert.Equal("first", summaries[0].Envelope!.Subject);
        Assert.Equal("Sender Ü", summaries[0].Envelope!.From.Mailboxes.First().Name);
        Assert.True(summaries[0].Flags!.Value.HasFlag(MessageFlags.Flagged));
        Assert.Equal("a.bin", summaries[0].Attachments.Single().FileName);
        var text = (TextPart)await folder.GetBodyPartAsync(summaries[1].UniqueId, summaries[1].TextBody!);
        Assert.Equal("Body of second", text.Text.TrimEnd());
        var whole = await folder.GetMessageAsync(summaries[0].UniqueId);
        Assert.Equal("first", whole.Subject);
        Assert.Single(await folder.SearchAsync(SearchQuery.SubjectContains("second")));
        Assert.Single(await folder.SearchAsync(SearchQuery.Flagged));
        await folder.AddFlagsAsync(summaries[1].UniqueId, MessageFlags.Deleted, true);
        await folder.ExpungeAsync();
        Assert.Equal(1, folder.Count);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Acl_calls_and_implicit_TLS()
    {
        using var owner = await ConnectAsync("carol", implicitTls: true);
        var folder = await owner.GetFolder(owner.PersonalNamespaces[0]).CreateAsync("team", true) ?? throw new InvalidOperationException("CREATE");
        await folder.SetAccessRightsAsync("bob", new AccessRights("lrs"));
        var acl = await folder.GetAccessControlListAsync();
        Assert.Equal("lrs", acl.Single(a => a.Name == "bob").Rights.ToString());
        var mine = await folder.GetMyAccessRightsAsync();
        Assert.Equal("lrswipkxtecda", mine.ToString());
        await folder.AddAccessRightsAsync("anyone", new AccessRights("l"));
        await folder.RemoveAccessAsync("bob");
        // (MailKit cannot parse an empty "* ACL team" although RFC 4314 allows it, so one entry stays.)
        Assert.Equal(["anyone"], (await folder.GetAccessControlListAsync()).Select(a => a.Name));
        await owner.DisconnectAsync(true);
    }

    [Fact]
    public async Task Qresync_reports_what_vanished_and_changed_since_the_last_session()
    {
        using var client = await ConnectAsync("alice");
        await client.EnableQuickResyncAsync();
        var folder = await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync("Resync", true) ?? throw new InvalidOperationException("CREATE");
        for (var i = 0; i < 3; i++) await folder.AppendAsync(Message("m" + i));
        await folder.OpenAsync(FolderAccess.ReadWrite);
        var validity = folder.UidValidity;
        var modseq = folder.HighestModSeq;
        var uids = await folder.SearchAsync(SearchQuery.All);
        await folder.CloseAsync();

        // another session changes things
        using (var other = await ConnectAsync("alice"))
        {
            var f = other.GetFolder("Resync");
            await f.OpenAsync(FolderAccess.ReadWrite);
            await f.AddFlagsAsync(uids[0], MessageFlags.Seen, true);
            await f.AddFlagsAsync(uids[1], MessageFlags.Deleted, true);
            await f.ExpungeAsync();
            await other.DisconnectAsync(true);
        }

        var vanished = new List<UniqueId>();
        var changed = new List<int>();
        folder.MessagesVanished += (_, e) => vanished.AddRange(e.UniqueIds);
        folder.MessageFlagsChanged += (_, e) => changed.Add(e.Index);
        await folder.OpenAsync(FolderAccess.ReadWrite, validity, modseq, uids);
        Assert.Equal([uids[1]], vanished);
        Assert.Contains(0, changed);
        Assert.Equal(2, folder.Count);
        await client.DisconnectAsync(true);
    }
}
