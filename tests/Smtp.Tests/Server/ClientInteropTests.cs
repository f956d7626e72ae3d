using System.Diagnostics;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Smtp.Tests.Server;

/// <summary>
/// Real clients into a running server: MailKit (plain, STARTTLS + AUTH on submission, SMTPS, BDAT), python3 smtplib
/// and swaks; each message lands in alice's INBOX with our Received: field on top.
/// </summary>
public sealed class ClientInteropTests(SmtpServerFixture server) : IClassFixture<SmtpServerFixture>
{
    private const string Alice = "alice@main.dom";

    [Fact]
    public async Task MailKitOverEveryListenerLandsInTheInbox()
    {
        var before = await server.InboxCountAsync(Alice);
        var plain = await SendWithMailKitAsync(server.Smtp.Port, SecureSocketOptions.None, null, "plain");
        var submission = await SendWithMailKitAsync(server.Submission.Port, SecureSocketOptions.StartTls, ("alice", "alice-pw"), "submission");
        var smtps = await SendWithMailKitAsync(server.Smtps.Port, SecureSocketOptions.SslOnConnect, (Alice, "alice-pw"), "smtps");
        await server.WaitForInboxAsync(Alice, before + 3);

        Assert.StartsWith("Received: from ", server.FindStoredMessage(plain));
        Assert.Matches(@"^Received: from \S+ \(\[127\.0\.0\.1\]\)\r\n\tby mx\.main\.dom with ESMTP id ", server.FindStoredMessage(plain));
        Assert.Contains(" with ESMTPSA (TLSv1.", server.FindStoredMessage(submission));
        Assert.Contains(" with ESMTPSA (TLSv1.", server.FindStoredMessage(smtps));
        Assert.Contains("\tfor <alice@main.dom>; ", server.FindStoredMessage(smtps));
    }

    [Fact]
    public async Task MailKitSendsBinaryBodiesWithBdat()
    {
        // MailKit sends with BDAT (RFC 3030) when the body is binary and the server offers CHUNKING and BINARYMIME; its log proves it.
        var before = await server.InboxCountAsync(Alice);
        var marker = "bdat-" + Guid.NewGuid().ToString("N");
        var message = NewMessage(marker);
        var body = new TextPart("plain") { Text = "caf\u00e9 8-bit text\r\n", ContentTransferEncoding = ContentEncoding.Binary };
        message.Body = body;
        using var log = new MemoryStream();
        using var client = new SmtpClient(new ProtocolLogger(log, leaveOpen: true));
        await client.ConnectAsync("127.0.0.1", server.Smtp.Port, SecureSocketOptions.None);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Chunking));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.EightBitMime));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.UTF8));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Dsn));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
        var dialogue = Encoding.UTF8.GetString(log.ToArray());
        Assert.Contains("BDAT ", dialogue);
        Assert.DoesNotContain("C: DATA", dialogue);
        await server.WaitForInboxAsync(Alice, before + 1);
        Assert.Contains("caf\u00e9 8-bit text", server.FindStoredMessage(marker));
    }

    [Fact]
    public async Task PythonSmtplibSendsAndAuthenticatesWithCramMd5()
    {
        var before = await server.InboxCountAsync(Alice);
        var marker = "smtplib-" + Guid.NewGuid().ToString("N");
        var script = $$"""
            import smtplib, sys
            s = smtplib.SMTP("127.0.0.1", {{server.Submission.Port}}, timeout=30)
            s.ehlo("python.test")
            assert "cram-md5" in s.esmtp_features["auth"].lower(), s.esmtp_features
            s.login("alice@main.dom", "alice-pw")   # smtplib prefers CRAM-MD5 when offered
            refused = s.sendmail("alice@main.dom", ["alice@main.dom"], "Subject: {{marker}}\r\n\r\nhello from smtplib\r\n")
            assert refused == {}, refused
            code, text = s.docmd("VRFY", "alice")
            print(code)
            s.quit()
            """;
        var (exit, output) = await RunAsync("python3", "-c", script);
        Assert.True(exit == 0, output);
        Assert.Equal("252", output.Trim());
        await server.WaitForInboxAsync(Alice, before + 1);
        Assert.Contains("hello from smtplib", server.FindStoredMessage(marker));
    }

    [Fact]
    public async Task SwaksPipelinesOverStartTlsWithAuthLogin()
    {
        var before = await server.InboxCountAsync(Alice);
        var marker = "swaks-" + Guid.NewGuid().ToString("N");
        var (exit, output) = await RunAsync("swaks", "--server", $"127.0.0.1:{server.Submission.Port}", "--tls", "--pipeline",
            "--auth", "LOGIN", "--auth-user", Alice, "--auth-password", "alice-pw",
            "--from", Alice, "--to", Alice, "--header", $"Subject: {marker}", "--timeout", "30");
        Assert.True(exit == 0, output);
        Assert.Contains("235 2.7.0", output);
        Assert.Contains("250 2.0.0 OK queued as ", output);
        await server.WaitForInboxAsync(Alice, before + 1);
        Assert.Contains(" with ESMTPSA ", server.FindStoredMessage(marker));
    }

    [Fact]
    public async Task SwaksSmtpsAndTheSenderMustBeTheLogin()
    {
        var (exit, output) = await RunAsync("swaks", "--server", $"127.0.0.1:{server.Submission.Port}", "--tls",
            "--auth", "PLAIN", "--auth-user", Alice, "--auth-password", "alice-pw",
            "--from", "victim@main.dom", "--to", Alice, "--timeout", "30");
        Assert.NotEqual(0, exit);
        Assert.Contains("553 5.7.1", output);
        (exit, output) = await RunAsync("swaks", "--server", $"127.0.0.1:{server.Smtps.Port}", "--tlsc",
            "--auth", "CRAM-MD5", "--auth-user", Alice, "--auth-password", "alice-pw", "--from", Alice, "--to", Alice, "--timeout", "30");
        Assert.True(exit == 0, output);
        Assert.Contains("250 2.0.0 OK queued as ", output);
    }

    [Fact]
    public async Task PipelinedBdatChunksAndSmtpUtf8Arrive()
    {
        var before = await server.InboxCountAsync(Alice);
        var marker = "chunks-" + Guid.NewGuid().ToString("N");
        await using var smtp = await SmtpDialog.OpenAsync(server.Smtp);
        await smtp.CommandAsync("EHLO chunky.test");
        var first = $"Subject: {marker}\r\nFrom: =?utf-8?q?J=C3=B6rg?= <j\u00f6rg@far.test>\r\n\r\n";
        var second = "line one\r\n.line with a leading dot stays as is\r\n";
        // RFC 2920 + RFC 3030: the whole transaction in one write; replies come back in order.
        await smtp.SendAsync("MAIL FROM:<j\u00f6rg@far.test> SMTPUTF8 BODY=8BITMIME\r\nRCPT TO:<alice@main.dom> NOTIFY=FAILURE,DELAY ORCPT=rfc822;alice@main.dom\r\n"
            + $"BDAT {Encoding.UTF8.GetByteCount(first)}\r\n{first}BDAT {Encoding.UTF8.GetByteCount(second)} LAST\r\n{second}");
        Assert.StartsWith("250 2.1.0", await smtp.ReadReplyAsync());
        Assert.StartsWith("250 2.1.5", await smtp.ReadReplyAsync());
        Assert.StartsWith("250 2.0.0", await smtp.ReadReplyAsync());
        Assert.StartsWith("250 2.0.0 OK queued as ", await smtp.ReadReplyAsync());
        Assert.StartsWith("553 5.6.7", await smtp.CommandAsync("MAIL FROM:<j\u00f6rg@far.test>"));   // UTF-8 without SMTPUTF8
        await server.WaitForInboxAsync(Alice, before + 1);
        var stored = server.FindStoredMessage(marker);
        Assert.Contains(" with UTF8SMTP id ", stored);
        Assert.EndsWith("\r\n\r\nline one\r\n.line with a leading dot stays as is\r\n", stored);
    }

    private async Task<string> SendWithMailKitAsync(int port, SecureSocketOptions tls, (string User, string Password)? login, string label)
    {
        var marker = $"{label}-{Guid.NewGuid():N}";
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", port, tls);
        if (login is { } l) await client.AuthenticateAsync(l.User, l.Password);
        await client.SendAsync(NewMessage(marker));
        await client.DisconnectAsync(true);
        return marker;
    }

    private static MimeMessage NewMessage(string subject)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(Alice));
        message.To.Add(MailboxAddress.Parse(Alice));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "hello\r\n" };
        return message;
    }

    internal static Task<(int Exit, string Output)> RunAsync(string program, params string[] args) => RunAsync(program, null, args);

    /// <summary>A client program with its output, bounded to 60 s; <paramref name="environment"/> adds variables (HOME…).</summary>
    internal static async Task<(int Exit, string Output)> RunAsync(string program, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within 60 s");
        }
        return (process.ExitCode, new StringBuilder(await stdout).Append(await stderr).ToString());
    }
}
