using Kernel.Testing;

namespace Router.Tests;

/// <summary>
/// Issue 9 §4: <c>kernel route test --kind signal</c> takes the <c>sip:</c> URIs a SIP request carries and answers with
/// the SIP status codes of router.md §10 (404, 403, 482…); <c>--auth</c> naming no account is bad input.
/// The CLI runs on a fresh data folder with the plugins laid out beside the executable (no server needed).
/// </summary>
public sealed class RouteTestSignalTests
{
    [Fact]
    public async Task SignalsTakeSipUrisAndPrintSipCodesAndAnUnknownAuthIsAnError()
    {
        var folder = Path.Combine(Path.GetTempPath(), "kernel-routetest-" + Guid.NewGuid().ToString("N"));
        try
        {
            await RunAsync(folder);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task RunAsync(string folder)
    {
        Task<CliResult> Cli(string? input, params string[] args) => KernelCli.RunAsync(folder, input, args);
        Assert.Equal(0, (await Cli(null, "domain", "add", "domain.dom")).ExitCode);
        Assert.Equal(0, (await Cli(null, "account", "add", "alice@domain.dom", "--password", "pw")).ExitCode);
        var set = await Cli("<blocked@domain.dom> = error\n<loop1@domain.dom> = loop2@domain.dom\n<loop2@domain.dom> = loop1@domain.dom\n", "router", "set", "-");
        Assert.True(set.ExitCode == 0, set.ToString());

        string First(CliResult r) => r.ExitCode == 0 ? r.Output.Split('\n')[0].Trim() : r.ToString();
        Assert.Equal("LOCAL(alice@domain.dom)", First(await Cli(null, "route", "test", "sip:alice@domain.dom;transport=tcp", "--kind", "signal")));
        Assert.Equal("LOCAL(alice@domain.dom)", First(await Cli(null, "route", "test", "<sips:ALICE@domain.dom>", "--kind", "signal")));
        Assert.StartsWith("404 ", First(await Cli(null, "route", "test", "sip:ghost@domain.dom", "--kind", "signal")));
        Assert.StartsWith("404 ", First(await Cli(null, "route", "test", "sip:x@nodots", "--kind", "signal")));
        Assert.StartsWith("403 ", First(await Cli(null, "route", "test", "sip:blocked@domain.dom", "--kind", "signal")));
        Assert.StartsWith("482 ", First(await Cli(null, "route", "test", "sip:loop1@domain.dom", "--kind", "signal")));
        Assert.Contains("\"code\":404", (await Cli(null, "route", "test", "sip:ghost@domain.dom", "--kind", "signal", "--json")).Output);
        // Mail keeps its SMTP codes.
        Assert.StartsWith("550 5.1.1 ", First(await Cli(null, "route", "test", "ghost@domain.dom")));

        var auth = await Cli(null, "route", "test", "bob@friend.com", "--auth", "nobody@domain.dom");
        Assert.True(auth.ExitCode != 0 && auth.Output.Length == 0, auth.ToString());
        var line = Assert.Single(auth.Error.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("error: --auth nobody@domain.dom: no account nobody@domain.dom", line);
        Assert.Equal(0, (await Cli(null, "route", "test", "bob@friend.com", "--auth", "alice@domain.dom")).ExitCode);
    }
}
