using System.Text.Json;

namespace Smtp.Tests.Delivery;

/// <summary>
/// The dial-up recipes of smtp.md §8–§9 with fetchmail, through a running <c>kernel serve</c>: ETRN releases a held
/// domain, whose mail then goes to its MX (smtp-sink); ODMR authenticates with CRAM-MD5 as the account that owns the
/// held queue, ATRN turns the connection round, and the mail comes down it to fetchmail, which relays it to the
/// customer's own MTA (smtp-sink); the queue is empty afterwards.
/// </summary>
public sealed class FetchmailTests(DeliveryServerFixture server) : IClassFixture<DeliveryServerFixture>
{
    private static string Marker() => "m" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task FetchmailEtrnReleasesAHeldDomainAndItsMailGoesToTheMx()
    {
        var marker = Marker();
        var id = await server.SubmitAsync("alice@main.dom", marker, "x@etrn.test");
        await WaitForHeldAsync(id);

        var (exit, output) = await FetchmailAsync(null, "--protocol", "ETRN", "--port", server.Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--fetchdomains", "etrn.test", "--sslproto", "", "-v", "127.0.0.1");
        Assert.True(exit is 0 or 1, output);   // 1 = "no mail" for fetchmail; the reply below says what happened
        Assert.Contains("253", output);         // RFC 1985: 253 n pending messages, started

        var dump = await server.WaitForSinkAsync("friend", marker);
        Assert.Contains("X-Rcpt-Args: <x@etrn.test>", dump);
    }

    [Fact]
    public async Task FetchmailOdmrTakesTheHeldMailDownTheTurnedConnection()
    {
        var marker = Marker();
        var id = await server.SubmitAsync("alice@main.dom", marker, "y@odmr.test");
        await WaitForHeldAsync(id);

        var rc = $"""
            set no syslog
            poll 127.0.0.1 protocol ODMR port {server.Odmr.Port} auth cram-md5
              user "odmr.test@main.dom" password "odmr-pw" sslproto '' fetchdomains odmr.test smtphost "127.0.0.1/{server.OdmrCustomerPort}"
            """;
        var (exit, output) = await FetchmailAsync(rc, "-v");
        Assert.True(exit == 0, output);
        Assert.Contains("ATRN", output);

        var dump = await server.WaitForSinkAsync("odmr-customer", marker);
        Assert.Contains("X-Mail-Args: <alice@main.dom>", dump);
        Assert.Contains("X-Rcpt-Args: <y@odmr.test>", dump);
        await WaitForGoneAsync(id);
        Assert.DoesNotContain("y@odmr.test", (await server.Cli(null, "queue", "list", "--json")).Output);
    }

    private async Task WaitForHeldAsync(string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            last = (await server.Cli(null, "queue", "show", id, "--json")).Output;
            if (JsonDocument.Parse(last).RootElement.GetProperty("recipients").EnumerateArray().Any(r => r.GetProperty("state").GetString() == "Held")) return;
            await Task.Delay(200);
        }
        throw new TimeoutException($"{id} was never held: {last}");
    }

    private async Task WaitForGoneAsync(string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (!(await server.Cli(null, "queue", "list", "--json")).Output.Contains(id, StringComparison.Ordinal)) return;
            await Task.Delay(200);
        }
        throw new TimeoutException($"{id} is still queued");
    }

    /// <summary>fetchmail with its own HOME (and rc file, 0600 as it demands), bounded to 60 s.</summary>
    private static async Task<(int Exit, string Output)> FetchmailAsync(string? rc, params string[] args)
    {
        var home = Directory.CreateTempSubdirectory("fetchmail-");
        try
        {
            var environment = new Dictionary<string, string> { ["HOME"] = home.FullName, ["FETCHMAILHOME"] = home.FullName };
            var arguments = new List<string>();
            if (rc is not null)
            {
                var path = Path.Combine(home.FullName, ".fetchmailrc");
                await File.WriteAllTextAsync(path, rc + "\n");
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                arguments.AddRange(["-f", path]);
            }
            return await Server.ClientInteropTests.RunAsync("fetchmail", environment, [.. arguments, .. args]);
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }
}
