using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

namespace Imap.Tests.EndToEnd;

/// <summary>
/// RFC 6855 UTF8=ACCEPT end to end: advertised; after ENABLE mailbox names go both ways as UTF-8, APPEND takes
/// <c>UTF8 (~{n}…)</c>, SEARCH with CHARSET is BAD; a client that did not enable it sees and opens the same mailboxes
/// by their modified UTF-7 names. Driven raw, by MailKit (<c>EnableUTF8Async</c>) and by python3 imaplib.
/// </summary>
[Collection("imap")]
public sealed class Utf8AcceptTests(ImapServerFixture server)
{
    private async Task<RawImapClient> ConnectNewAccountAsync(string name)
    {
        await server.Cli("account", "add", name + "@company.dom", "--password", ImapServerFixture.Password);
        return await server.ConnectAsync(name);
    }

    [Fact]
    public async Task Names_are_UTF8_after_ENABLE_and_modified_UTF7_for_a_client_without_it()
    {
        await using var utf8 = await ConnectNewAccountAsync("utfa");
        Assert.Contains(" UTF8=ACCEPT", (await utf8.OkAsync("CAPABILITY")).All);
        Assert.Contains("* ENABLED UTF8=ACCEPT", (await utf8.OkAsync("ENABLE UTF8=ACCEPT")).All);

        await utf8.OkAsync("CREATE \"Küche & Café\"");
        await utf8.OkAsync("CREATE Grüße"); // a bare UTF-8 atom, as python's imaplib sends it
        await utf8.OkAsync("CREATE \"a&b\""); // '&' is an ordinary character now
        var list = (await utf8.OkAsync("LIST \"\" *")).Untagged;
        Assert.Contains(list, l => l.EndsWith("\"/\" \"Küche & Café\"", StringComparison.Ordinal));
        Assert.Contains(list, l => l.EndsWith("\"/\" \"Grüße\"", StringComparison.Ordinal));
        Assert.Contains(list, l => l.EndsWith("\"/\" a&b", StringComparison.Ordinal));
        Assert.DoesNotContain(list, l => l.Contains("&AP", StringComparison.Ordinal));
        Assert.Contains("* STATUS \"Grüße\" (MESSAGES 0)", (await utf8.OkAsync("STATUS Grüße (MESSAGES)")).All);
        var bad = await utf8.SendAsync("CREATE \"tab\tname\"");
        Assert.Contains(" BAD ", bad.Tagged);

        // APPEND UTF8 (~{n}…) with a UTF-8 header (RFC 6855 §4), non-synchronizing
        const string message = "From: Jürgen <j@company.dom>\r\nSubject: Grüße aus Köln\r\n\r\nbody\r\n";
        var bytes = Encoding.UTF8.GetByteCount(message);
        var appended = await utf8.OkAsync($"APPEND Grüße (\\Seen) UTF8 (~{{{bytes}+}}\r\n{message})");
        Assert.Contains("[APPENDUID ", appended.Tagged);
        await utf8.OkAsync("SELECT Grüße");
        var header = await utf8.OkAsync("FETCH 1 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
        Assert.Contains("Subject: Grüße aus Köln", header.All);
        Assert.Contains("\\Seen", header.All);
        Assert.Contains("* SEARCH 1", (await utf8.OkAsync("SEARCH SUBJECT \"Grüße\"")).All);
        // RFC 6855 §3: a charset label conflicts with the UTF-8 strings once enabled
        var charset = await utf8.SendAsync("SEARCH CHARSET UTF-8 SUBJECT \"Grüße\"");
        Assert.Contains(" BAD ", charset.Tagged);
        // a UTF8 data item whose closing parenthesis is missing is BAD, and nothing is stored
        var unclosed = await utf8.SendAsync($"APPEND Grüße UTF8 (~{{{bytes}+}}\r\n{message}");
        Assert.Contains(" BAD ", unclosed.Tagged);
        Assert.Contains("(MESSAGES 1)", (await utf8.OkAsync("STATUS Grüße (MESSAGES)")).All);

        // the same account without ENABLE: modified UTF-7 names, same mailboxes
        await using var legacy = await server.ConnectAsync("utfa");
        var legacyList = (await legacy.OkAsync("LIST \"\" *")).Untagged;
        Assert.Contains(legacyList, l => l.EndsWith("\"/\" \"K&APw-che &- Caf&AOk-\"", StringComparison.Ordinal));
        Assert.Contains(legacyList, l => l.EndsWith("\"/\" Gr&APwA3w-e", StringComparison.Ordinal));
        Assert.Contains(legacyList, l => l.EndsWith("\"/\" a&-b", StringComparison.Ordinal));
        Assert.Contains("* 1 EXISTS", (await legacy.OkAsync("SELECT Gr&APwA3w-e")).All);
        await legacy.OkAsync("CREATE Gr&APw-n");
        // 8-bit names and APPEND UTF8 need the extension enabled
        Assert.Contains(" BAD ", (await legacy.SendAsync("CREATE \"Grün2\"")).Tagged);
        Assert.Contains(" BAD ", (await legacy.SendAsync($"APPEND INBOX UTF8 (~{{{bytes}+}}\r\n{message})")).Tagged);
        Assert.Contains(" NO ", (await legacy.SendAsync("SEARCH CHARSET KOI8-R ALL")).Tagged); // unknown charset: NO [BADCHARSET]
        // and the UTF-8 client sees the legacy client's new mailbox by its UTF-8 name
        Assert.Equal(list.Count + 1, (await utf8.OkAsync("LIST \"\" *")).Untagged.Count);
        Assert.Contains("\"/\" \"Grün\"", (await utf8.OkAsync("LIST \"\" Grün")).All);
    }

    [Fact]
    public async Task MailKit_enables_UTF8_and_its_folder_is_the_same_for_a_modified_UTF7_client()
    {
        await server.Cli("account", "add", "utfm@company.dom", "--password", ImapServerFixture.Password);
        var log = new MemoryStream();
        using (var client = new ImapClient(new ProtocolLogger(log, leaveOpen: true)) { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 20_000 })
        {
            await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.StartTls);
            await client.AuthenticateAsync("utfm@company.dom", ImapServerFixture.Password);
            Assert.True(client.Capabilities.HasFlag(ImapCapabilities.UTF8Accept));
            await client.EnableUTF8Async(); // MailKit asks for it explicitly (before any SELECT)
            var folder = await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync("Überweisungen", true) ?? throw new InvalidOperationException("CREATE");
            var message = new MimeMessage
            {
                From = { new MailboxAddress("Zoë", "zoe@example.org") },
                To = { new MailboxAddress("", "utfm@company.dom") },
                Subject = "Überweisung",
                Body = new TextPart("plain") { Text = "Grüße" },
            };
            await folder.AppendAsync(message, MessageFlags.None);
            var listed = await client.GetFolder(client.PersonalNamespaces[0]).GetSubfoldersAsync(false);
            Assert.Contains(listed, f => f.Name == "Überweisungen");
            await folder.OpenAsync(FolderAccess.ReadOnly);
            Assert.Equal(1, folder.Count);
            Assert.Equal("Überweisung", (await folder.GetMessageAsync(0)).Subject);
            await client.DisconnectAsync(true);
        }
        var wire = Encoding.UTF8.GetString(log.ToArray());
        Assert.Contains("ENABLE UTF8=ACCEPT", wire);
        Assert.Contains("* ENABLED UTF8=ACCEPT", wire);
        Assert.Contains("\"Überweisungen\"", wire); // sent and listed as UTF-8, not &ANw-berweisungen

        await using var legacy = await server.ConnectAsync("utfm");
        Assert.Contains("* 1 EXISTS", (await legacy.OkAsync("EXAMINE &ANw-berweisungen")).All);
    }

    [Fact]
    public async Task Python_imaplib_enables_UTF8_and_uses_UTF8_names()
    {
        await server.Cli("account", "add", "utfp@company.dom", "--password", ImapServerFixture.Password);
        var script = Path.Combine(Kernel.Testing.RepositoryLayout.Root, "tests", "interop", "imap-utf8.py");
        var (exit, output) = await InteropTests.RunAsync("python3", [script, server.Port.ToString(), "utfp@company.dom", ImapServerFixture.Password]);
        Assert.True(exit == 0, output);
        Assert.Contains("utf8 checks passed", output);
    }
}
