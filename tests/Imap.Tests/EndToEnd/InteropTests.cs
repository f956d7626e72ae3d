using System.Diagnostics;

namespace Imap.Tests.EndToEnd;

/// <summary>Programs nobody here wrote: python3 imaplib (tests/interop/imap-imaplib.py) and mbsync (isync).</summary>
[Collection("imap")]
public sealed class InteropTests(ImapServerFixture server)
{
    internal static async Task<(int Exit, string Output)> RunAsync(string file, IEnumerable<string> args, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string Script(string name) => Path.Combine(Kernel.Testing.RepositoryLayout.Root, "tests", "interop", name);

    [Fact]
    public async Task Python_imaplib_session()
    {
        var (exit, output) = await RunAsync("python3", [Script("imap-imaplib.py"), server.Port.ToString(), "frank@company.dom", ImapServerFixture.Password]);
        Assert.True(exit == 0, output);
        Assert.Contains("checks passed", output);
    }

    [Fact]
    public async Task Mbsync_mirrors_a_mailbox_both_ways_and_then_finds_nothing_to_do()
    {
        var root = Path.Combine(Path.GetTempPath(), "imap-mbsync-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            await using var c = await server.ConnectAsync("judy");
            await c.OkAsync("CREATE Mirror");
            for (var i = 0; i < 2; i++)
            {
                var m = $"From: a@b\r\nSubject: server {i}\r\nMessage-ID: <s{i}@x>\r\n\r\nbody {i}\r\n";
                await c.OkAsync($"APPEND Mirror {{{m.Length}+}}\r\n{m}");
            }
            var config = Path.Combine(root, "mbsyncrc");
            var mail = Path.Combine(root, "mail");
            Directory.CreateDirectory(mail);
            await File.WriteAllTextAsync(config, $"""
                IMAPAccount kernel
                Host 127.0.0.1
                Port {server.Port}
                User judy@company.dom
                Pass {ImapServerFixture.Password}
                SSLType None
                AuthMechs LOGIN

                IMAPStore remote
                Account kernel

                MaildirStore local
                Path {mail}/
                Inbox {mail}/INBOX
                SubFolders Verbatim

                Channel mirror
                Far :remote:
                Near :local:
                Patterns Mirror
                Create Both
                Expunge Both
                SyncState *
                """);

            var (exit, output) = await RunAsync("mbsync", ["-c", config, "mirror"], root);
            Assert.True(exit == 0, output);
            var local = Path.Combine(mail, "Mirror");
            Assert.Equal(2, Directory.GetFiles(Path.Combine(local, "cur")).Length + Directory.GetFiles(Path.Combine(local, "new")).Length);

            // a message written locally goes up
            await File.WriteAllTextAsync(Path.Combine(local, "new", "1700000000.local1.host"), "From: me@x\r\nSubject: local\r\nMessage-ID: <l1@x>\r\n\r\nlocal body\r\n");
            (exit, output) = await RunAsync("mbsync", ["-c", config, "mirror"], root);
            Assert.True(exit == 0, output);
            Assert.Contains("MESSAGES 3", (await c.OkAsync("STATUS Mirror (MESSAGES)")).Untagged[0]);
            var status = (await c.OkAsync("STATUS Mirror (MESSAGES UIDNEXT HIGHESTMODSEQ)")).Untagged[0];

            // and again: nothing changes on either side
            (exit, output) = await RunAsync("mbsync", ["-V", "-c", config, "mirror"], root);
            Assert.True(exit == 0, output);
            Assert.Equal(status, (await c.OkAsync("STATUS Mirror (MESSAGES UIDNEXT HIGHESTMODSEQ)")).Untagged[0]);
            Assert.Equal(3, Directory.GetFiles(Path.Combine(local, "cur")).Length + Directory.GetFiles(Path.Combine(local, "new")).Length);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
