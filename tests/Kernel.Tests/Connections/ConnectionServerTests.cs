using System.Buffers;
using System.Net;
using System.Text;
using Kernel.Abstractions;
using Kernel.Connections;
using Kernel.Listeners;
using Kernel.Tests.Plugins;
using Kernel.Tests.Storage;
using Kernel.Tls;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Tests.Connections;

/// <summary>
/// The kernel's connection host in process (issue 7 §1): limits refused with the protocol's line, the idle timeout,
/// the drain, STARTTLS discarding injected plaintext, implicit TLS with SNI, and a handler that throws.
/// </summary>
public sealed class ConnectionServerTests : IAsyncLifetime
{
    private readonly TempDataFolder _data = new();
    private readonly RecordingLoggerFactory _logs = new();
    private readonly List<PluginConnectionHost> _hosts = [];
    private ConnectionServer _server = null!;
    private IConfiguration _configuration = null!;

    public Task InitializeAsync()
    {
        var domain = TestCertificates.WritePem(Path.Combine(_data.Path, "certs"), "test.dom", "test.dom");
        var wildcard = TestCertificates.WritePem(Path.Combine(_data.Path, "certs"), "wildcard", "*.example.org");
        _configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Probe:Listen"] = "127.0.0.1:0",
            ["Probe:Tls:Listen"] = "127.0.0.1:0",
            ["Kernel:Tls:Domains:test.dom:Certificate"] = domain.Certificate,
            ["Kernel:Tls:Domains:test.dom:Key"] = domain.Key,
            ["Kernel:Tls:Domains:*.example.org:Certificate"] = wildcard.Certificate,
            ["Kernel:Tls:Domains:*.example.org:Key"] = wildcard.Key,
        }).Build();
        var certificates = new ServerCertificates(_configuration, _data.Path, TimeProvider.System, NullLogger<ServerCertificates>.Instance);
        _server = new ConnectionServer(new ListenerRegistry(), certificates, _logs);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await host.DrainAsync(deadline.Token);
        }
        _data.Dispose();
    }

    [Fact]
    public async Task The_per_ip_limit_refuses_the_next_connection_with_the_reply_line()
    {
        var release = new TaskCompletionSource();
        var endPoint = Listen(new ConnectionListenerOptions
        {
            DefaultPort = 0,
            MaxConnectionsPerIp = 2,
            RefusalReply = "421 4.7.0 Too many connections\r\n"u8.ToArray(),
        }, async (connection, ct) =>
        {
            await Write(connection, "220 hello\r\n");
            await release.Task.WaitAsync(ct);
        });
        await using var first = await RawClient.ConnectAsync(endPoint);
        await using var second = await RawClient.ConnectAsync(endPoint);
        Assert.Equal("220 hello", await first.ReadLineAsync());
        Assert.Equal("220 hello", await second.ReadLineAsync());

        await using var third = await RawClient.ConnectAsync(endPoint);
        // The refusal line, then a clean end of stream (no reset: ReadToEnd would throw).
        Assert.Equal("421 4.7.0 Too many connections\r\n", await third.ReadToEndAsync());

        // Another client address is not affected by 127.0.0.1's count.
        await using var other = await RawClient.ConnectAsync(endPoint, "127.0.0.2");
        Assert.Equal("220 hello", await other.ReadLineAsync());
        release.SetResult();
    }

    [Fact]
    public async Task The_total_limit_refuses_across_addresses_and_a_closed_connection_frees_its_slot()
    {
        var release = new TaskCompletionSource();
        var endPoint = Listen(new ConnectionListenerOptions
        {
            DefaultPort = 0,
            MaxConnections = 2,
            RefusalReply = "busy\r\n"u8.ToArray(),
        }, async (connection, ct) =>
        {
            await Write(connection, "hi\r\n");
            var read = await connection.Input.ReadAsync(ct);
            connection.Input.AdvanceTo(read.Buffer.End);
        });
        await using var a = await RawClient.ConnectAsync(endPoint, "127.0.0.2");
        await using var b = await RawClient.ConnectAsync(endPoint, "127.0.0.3");
        Assert.Equal("hi", await a.ReadLineAsync());
        Assert.Equal("hi", await b.ReadLineAsync());
        await using (var c = await RawClient.ConnectAsync(endPoint, "127.0.0.4"))
        {
            Assert.Equal("busy\r\n", await c.ReadToEndAsync());
        }

        await a.SendAsync("bye\r\n");
        Assert.Equal("", await a.ReadToEndAsync());
        await AssertEventuallyAsync(async () =>
        {
            await using var d = await RawClient.ConnectAsync(endPoint, "127.0.0.4");
            return await d.ReadLineAsync() == "hi";
        }, "a slot freed by a closed connection");
    }

    [Fact]
    public async Task An_idle_connection_gets_the_idle_reply_and_is_closed_and_the_handler_sees_end_of_stream()
    {
        var handlerSaw = new TaskCompletionSource<string>();
        var endPoint = Listen(new ConnectionListenerOptions
        {
            DefaultPort = 0,
            IdleTimeout = TimeSpan.FromMilliseconds(500),
            IdleTimeoutReply = "421 4.4.2 Idle timeout\r\n"u8.ToArray(),
        }, async (connection, ct) =>
        {
            await Write(connection, "220 hello\r\n");
            var read = await connection.Input.ReadAsync(ct);
            handlerSaw.SetResult(read.IsCompleted && read.Buffer.IsEmpty ? "end of stream" : "data");
            connection.Input.AdvanceTo(read.Buffer.End);
        });
        await using var client = await RawClient.ConnectAsync(endPoint);
        var started = DateTime.UtcNow;
        Assert.Equal("220 hello\r\n421 4.4.2 Idle timeout\r\n", await client.ReadToEndAsync());
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(5));
        Assert.Equal("end of stream", await handlerSaw.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.DoesNotContain(_logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Draining_fires_the_token_waits_for_the_goodbye_and_closes_the_socket()
    {
        var host = _server.CreateHost("Probe", _configuration);
        _hosts.Add(host);
        var listener = host.Listen(new ConnectionListenerOptions { DefaultPort = 0 }, async (connection, ct) =>
        {
            await Write(connection, "220 hello\r\n");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                await Task.Delay(200, CancellationToken.None); // in-flight work finishing
                await Write(connection, "421 4.3.2 Shutting down\r\n");
            }
        });
        var endPoint = listener.EndPoints[0];
        await using var client = await RawClient.ConnectAsync(endPoint);
        Assert.Equal("220 hello", await client.ReadLineAsync());

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await host.DrainAsync(deadline.Token);

        Assert.Equal("421 4.3.2 Shutting down\r\n", await client.ReadToEndAsync());
        Assert.Empty(_server.EndPointsOf("Probe", null));
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(async () => await RawClient.ConnectAsync(endPoint));
        Assert.Throws<InvalidOperationException>(() => host.Listen(new ConnectionListenerOptions { DefaultPort = 0 }, (_, _) => Task.CompletedTask));
    }

    [Fact]
    public async Task A_handler_that_ignores_the_drain_is_aborted_at_the_deadline()
    {
        var host = _server.CreateHost("Probe", _configuration);
        _hosts.Add(host);
        var listener = host.Listen(new ConnectionListenerOptions { DefaultPort = 0 }, async (connection, _) =>
        {
            await Write(connection, "220 hello\r\n");
            // Ignores the token; only the connection closing ends its read.
            while (true)
            {
                var read = await connection.Input.ReadAsync();
                if (read.IsCompleted) return;
                connection.Input.AdvanceTo(read.Buffer.End);
            }
        });
        await using var client = await RawClient.ConnectAsync(listener.EndPoints[0]);
        Assert.Equal("220 hello", await client.ReadLineAsync());
        var started = DateTime.UtcNow;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await host.DrainAsync(deadline.Token);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        Assert.Contains(_logs.Lines, l => l.Contains("still open at the stop deadline", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_handler_exception_is_logged_against_the_plugin_and_never_reaches_the_client()
    {
        var endPoint = Listen(new ConnectionListenerOptions { DefaultPort = 0 }, async (connection, _) =>
        {
            await Write(connection, "220 hello\r\n");
            throw new InvalidOperationException("secret internal detail");
        });
        await using var client = await RawClient.ConnectAsync(endPoint);
        Assert.Equal("220 hello\r\n", await client.ReadToEndAsync());
        await AssertEventuallyAsync(() => Task.FromResult(_logs.Lines.Any(l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains("probe", StringComparison.Ordinal))), "the error log line");

        // The listener keeps serving.
        await using var next = await RawClient.ConnectAsync(endPoint);
        Assert.Equal("220 hello", await next.ReadLineAsync());
    }

    [Fact]
    public async Task Starttls_discards_plaintext_pipelined_after_the_command()
    {
        var endPoint = Listen(new ConnectionListenerOptions { DefaultPort = 0 }, async (connection, ct) =>
        {
            await Write(connection, "220 hello\r\n");
            Assert.Equal("STARTTLS", await ReadLineAsync(connection, ct));
            await Write(connection, "220 2.0.0 Ready to start TLS\r\n");
            await connection.StartTlsAsync(ct);
            var line = await ReadLineAsync(connection, ct);
            await Write(connection, $"250 got {line} over {connection.Tls?.Protocol}\r\n");
        });
        await using var client = await RawClient.ConnectAsync(endPoint);
        Assert.Equal("220 hello", await client.ReadLineAsync());
        // RFC 3207 §4.2 / CVE-2011-0411: a man in the middle appends a command to the client's STARTTLS.
        await client.SendAsync("STARTTLS\r\nMAIL FROM:<attacker@evil.example>\r\n");
        Assert.Equal("220 2.0.0 Ready to start TLS", await client.ReadLineAsync());
        await client.StartTlsAsync("test.dom");
        await client.SendAsync("EHLO client\r\n");
        var reply = await client.ReadLineAsync();
        Assert.StartsWith("250 got EHLO client over TLSv1.", reply);
    }

    [Theory]
    [InlineData("test.dom", "CN=test.dom", "test.dom")]
    [InlineData("mail.example.org", "CN=*.example.org", "mail.example.org")]
    public async Task Implicit_tls_chooses_the_certificate_by_sni(string serverName, string subject, string reportedName)
    {
        var endPoint = Listen(new ConnectionListenerOptions { Role = "Tls", DefaultPort = 0, ImplicitTls = true }, async (connection, _) =>
            await Write(connection, $"sni={connection.Tls?.ServerName} protocol={connection.Tls?.Protocol}\r\n"));
        await using var client = await RawClient.ConnectAsync(endPoint);
        var ssl = await client.StartTlsAsync(serverName);
        Assert.Equal(subject, ssl.RemoteCertificate?.Subject);
        Assert.StartsWith($"sni={reportedName} protocol=TLSv1.", await client.ReadLineAsync());
    }

    [Fact]
    public async Task Without_a_configured_certificate_a_self_signed_one_is_generated_into_the_data_folder_and_reused()
    {
        using var data = new TempDataFolder();
        var empty = new ConfigurationBuilder().Build();
        var first = new ServerCertificates(empty, data.Path, TimeProvider.System, NullLogger<ServerCertificates>.Instance);
        await first.PrepareAsync(CancellationToken.None);
        var path = Path.Combine(data.Path, "tls", "self-signed.pfx");
        Assert.True(File.Exists(path));
        var thumbprint = first.GetCertificate(null).Thumbprint;
        Assert.True(first.GetCertificate(null).HasPrivateKey);

        var second = new ServerCertificates(empty, data.Path, TimeProvider.System, NullLogger<ServerCertificates>.Instance);
        await second.PrepareAsync(CancellationToken.None);
        Assert.Equal(thumbprint, second.GetCertificate("anything.example").Thumbprint);
    }

    [Fact]
    public async Task A_replaced_certificate_file_is_picked_up_without_a_restart()
    {
        using var data = new TempDataFolder();
        var folder = Path.Combine(data.Path, "certs");
        var files = TestCertificates.WritePem(folder, "server", "old.example");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kernel:Tls:Certificate"] = files.Certificate,
            ["Kernel:Tls:Key"] = files.Key,
        }).Build();
        var time = new Queue.Fakes.ManualTimeProvider(DateTimeOffset.UtcNow);
        var certificates = new ServerCertificates(configuration, data.Path, time, NullLogger<ServerCertificates>.Instance);
        await certificates.PrepareAsync(CancellationToken.None);
        Assert.Equal("CN=old.example", certificates.GetCertificate(null).Subject);

        TestCertificates.WritePem(folder, "server", "new.example");
        File.SetLastWriteTimeUtc(files.Certificate, DateTime.UtcNow.AddSeconds(5)); // a coarse file clock must still see a change
        Assert.Equal("CN=old.example", certificates.GetCertificate(null).Subject); // checked at most once a second
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("CN=new.example", certificates.GetCertificate(null).Subject);
        Assert.Equal("CN=new.example", certificates.GetCertificate("unknown.example").Subject);
    }

    [Fact]
    public void Operator_settings_override_the_plugins_limits()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Smtp:Submission:MaxConnectionsPerIp"] = "3",
            ["Smtp:Submission:IdleTimeoutSeconds"] = "42",
            ["Smtp:Submission:ImplicitTls"] = "true",
        }).Build();
        var options = ListenerOverrides.Apply(new ConnectionListenerOptions { Role = "Submission", DefaultPort = 587, MaxConnections = 7 }, configuration, "Smtp");
        Assert.Equal(3, options.MaxConnectionsPerIp);
        Assert.Equal(7, options.MaxConnections);
        Assert.Equal(TimeSpan.FromSeconds(42), options.IdleTimeout);
        Assert.True(options.ImplicitTls);
    }

    private IPEndPoint Listen(ConnectionListenerOptions options, ConnectionHandler handler)
    {
        var host = _server.CreateHost("Probe", _configuration);
        _hosts.Add(host);
        return host.Listen(options, handler).EndPoints[0];
    }

    private static async Task Write(IConnection connection, string text) =>
        await connection.Output.WriteAsync(Encoding.ASCII.GetBytes(text));

    private static async Task<string?> ReadLineAsync(IConnection connection, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await connection.Input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var end = buffer.PositionOf((byte)'\n');
            if (end is { } position)
            {
                var line = Encoding.ASCII.GetString(buffer.Slice(0, position).ToArray()).TrimEnd('\r');
                connection.Input.AdvanceTo(buffer.GetPosition(1, position));
                return line;
            }
            if (result.IsCompleted) return null;
            connection.Input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static async Task AssertEventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what + " did not happen within 10 s");
            await Task.Delay(50);
        }
    }
}
