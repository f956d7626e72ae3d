using System.Net;
using System.Net.Sockets;
using System.Text;
using Kernel.Plugins;

namespace Kernel.Tests.Plugins;

/// <summary>The samples/Finger module, built, dropped into a plugins folder, run by the host and queried over TCP (RFC 1288).</summary>
public sealed class FingerSampleTests : IAsyncLifetime
{
    private readonly PluginHostHarness _harness = new();
    private PluginHost? _host;
    private IPEndPoint? _endPoint;

    public async Task InitializeAsync()
    {
        await _harness.SeedDirectoryAsync();
        _harness.Install("Finger");
        _host = _harness.CreateHost(new() { ["Finger:IdleTimeoutSeconds"] = "1", ["Finger:Listen"] = "127.0.0.1:0" });
        await _host.StartAsync(CancellationToken.None);
        Assert.Equal(PluginState.Active, _host.Find("Finger")?.State);
        _endPoint = Assert.Single(_harness.Listeners.Bindings, b => b.Plugin == "Finger").EndPoint;
    }

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.StopAsync(CancellationToken.None);
        await _harness.DisposeAsync();
    }

    [Theory]
    [InlineData("alice\r\n", "Login: alice@test.dom\r\nName: Alice Liddell\r\n")]
    [InlineData("ALICE\r\n", "Login: alice@test.dom\r\nName: Alice Liddell\r\n")]
    [InlineData("/W alice\r\n", "Login: alice@test.dom\r\nName: Alice Liddell\r\n")]
    [InlineData("/w\talice\r\n", "Login: alice@test.dom\r\nName: Alice Liddell\r\n")]
    [InlineData("alice@test.dom\r\n", "Login: alice@test.dom\r\nName: Alice Liddell\r\n")]
    [InlineData("alice\n", "Login: alice@test.dom\r\nName: Alice Liddell\r\n")]
    [InlineData("bob\r\n", "")]
    [InlineData("/W bob\r\n", "")]
    [InlineData("no such\r\n", "")]
    [InlineData("../etc/passwd\r\n", "")]
    [InlineData("\r\n", "finger: listing users is not offered here\r\n")]
    [InlineData("/W\r\n", "finger: listing users is not offered here\r\n")]
    [InlineData("alice@elsewhere.example\r\n", "finger: forwarding is not offered here\r\n")]
    [InlineData("alice@a.example@b.example\r\n", "finger: forwarding is not offered here\r\n")]
    public async Task Answers_from_the_account_store(string query, string expected)
    {
        Assert.Equal(expected, await QueryAsync(Encoding.ASCII.GetBytes(query)));
    }

    [Fact]
    public async Task An_over_long_line_gets_an_error_line_and_the_connection_closes()
    {
        var answer = await QueryAsync(Encoding.ASCII.GetBytes(new string('a', 2000) + "\r\n"));
        Assert.Equal("finger: query too long\r\n", answer);
    }

    [Fact]
    public async Task A_silent_client_is_closed_after_the_read_timeout()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(_endPoint!);
        var stream = client.GetStream();
        var started = DateTime.UtcNow;
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var read = await stream.ReadAsync(new byte[16], bound.Token);
        Assert.Equal(0, read);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task Stopping_the_plugin_closes_its_listener()
    {
        Assert.True(await _host!.UnloadAsync("Finger"));
        using var client = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(async () => await client.ConnectAsync(_endPoint!));
        Assert.DoesNotContain(_harness.Listeners.Bindings, b => b.Plugin == "Finger");
    }

    private async Task<string> QueryAsync(byte[] query)
    {
        using var client = new TcpClient();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync(_endPoint!, bound.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(query, bound.Token);
        var answer = new MemoryStream();
        await stream.CopyToAsync(answer, bound.Token);
        return Encoding.ASCII.GetString(answer.ToArray());
    }
}
