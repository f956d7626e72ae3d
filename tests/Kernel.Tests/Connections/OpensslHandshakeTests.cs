using System.Diagnostics;
using Kernel.Testing;
using Kernel.Tests.Storage;

namespace Kernel.Tests.Connections;

/// <summary>
/// Issue 7 §1 "Done when": STARTTLS and implicit-TLS handshakes succeed with the real <c>openssl s_client</c> against
/// the TlsProbe test plugin in a real server process; the certificate is chosen by SNI (test.dom's from
/// <c>Kernel:Tls:Domains</c>), and without SNI the self-signed default generated into the data folder is served.
/// </summary>
public sealed class OpensslHandshakeTests : IAsyncLifetime
{
    private readonly TempDataFolder _certificates = new();
    private KernelProcess? _kernel;

    public async Task InitializeAsync()
    {
        var files = TestCertificates.WritePem(_certificates.Path, "test.dom", "test.dom");
        _kernel = await KernelProcess.StartAsync(new KernelProcessOptions
        {
            Plugins = ["TlsProbe"],
            Settings = new Dictionary<string, string>
            {
                ["TlsProbe:Listen:0"] = "127.0.0.1:0",
                ["TlsProbe:Implicit:Listen:0"] = "127.0.0.1:0",
                ["Kernel:Tls:Domains:test.dom:Certificate"] = files.Certificate,
                ["Kernel:Tls:Domains:test.dom:Key"] = files.Key,
            },
        });
    }

    public async Task DisposeAsync()
    {
        if (_kernel is not null) await _kernel.DisposeAsync();
        _certificates.Dispose();
    }

    [Fact]
    public async Task Starttls_smtp_handshakes_and_the_session_continues_over_tls()
    {
        var port = _kernel!.Listener("tlsprobe").Port;
        var (code, stdout, stderr) = await OpensslAsync(["-starttls", "smtp", "-connect", $"127.0.0.1:{port}", "-servername", "test.dom"], "TLS\r\nQUIT\r\n");
        Assert.True(code == 0, $"openssl exited {code}:\n{stderr}\n{stdout}");
        Assert.Matches(@"Protocol version: TLSv1\.[23]", stderr);
        Assert.Contains("CN = test.dom", stderr);
        Assert.Matches(@"250 TLSv1\.[23] \S+ sni=test\.dom", stdout);
        Assert.Contains("221 2.0.0 Bye", stdout);
    }

    [Fact]
    public async Task Implicit_tls_handshakes_and_chooses_the_certificate_by_sni()
    {
        var port = _kernel!.Listener("tlsprobe/implicit").Port;
        var (code, stdout, stderr) = await OpensslAsync(["-connect", $"127.0.0.1:{port}", "-servername", "test.dom"], "TLS\r\nQUIT\r\n");
        Assert.True(code == 0, $"openssl exited {code}:\n{stderr}\n{stdout}");
        Assert.Contains("CN = test.dom", stderr);
        Assert.Contains("220 tlsprobe ESMTP ready", stdout);
        Assert.Matches(@"250 TLSv1\.[23] \S+ sni=test\.dom", stdout);
    }

    [Fact]
    public async Task Without_sni_the_generated_self_signed_certificate_is_served()
    {
        var port = _kernel!.Listener("tlsprobe/implicit").Port;
        var (code, stdout, stderr) = await OpensslAsync(["-connect", $"127.0.0.1:{port}", "-noservername"], "TLS\r\nQUIT\r\n");
        Assert.True(code == 0, $"openssl exited {code}:\n{stderr}\n{stdout}");
        Assert.DoesNotContain("CN = test.dom", stderr);
        Assert.Contains("sni=-", stdout);
        Assert.True(File.Exists(Path.Combine(_kernel.DataDirectory, "tls", "self-signed.pfx")));
    }

    private static async Task<(int Code, string Stdout, string Stderr)> OpensslAsync(IReadOnlyList<string> arguments, string input)
    {
        var info = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("s_client");
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        // -brief: the handshake summary on stderr; -ign_eof: keep reading the server's replies after our input ends.
        info.ArgumentList.Add("-brief");
        info.ArgumentList.Add("-ign_eof");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("openssl s_client did not finish:\n" + await stderr + "\n" + await stdout);
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
