using Kernel.Testing;
using Kernel.Tests.Storage;

namespace Kernel.Tests.Cli;

/// <summary>
/// Issue 3 §6: bad input gets one clear line on stderr, a non-zero exit and nothing half-written — the data folder
/// is byte-for-byte the same afterwards (every table row, every file).
/// </summary>
public sealed class CliBadInputTests(CliDataFolder data) : IClassFixture<CliDataFolder>
{
    private const string Message = "From: bob@test.dom\nSubject: x\n\nbody\n";

    private string NoPlugins => $"--Kernel:PluginsDirectory={data.PluginsDirectory}";

    [Theory]
    // unknown account / domain
    [InlineData(null, "unknown domain nodom.dom", "account", "add", "carol@nodom.dom", "--password", "x")]
    [InlineData(null, "no account carol@test.dom", "account", "remove", "carol@test.dom")]
    [InlineData(null, "no account carol@test.dom", "account", "passwd", "carol@test.dom", "--password", "x")]
    [InlineData(null, "no account carol@test.dom", "account", "set", "carol@test.dom", "RealName", "Carol")]
    [InlineData(null, "no account carol@test.dom", "mailbox", "list", "carol@test.dom")]
    [InlineData(null, "no account carol@test.dom", "mailbox", "create", "carol@test.dom", "Work")]
    [InlineData(null, "no account carol@test.dom", "subscription", "add", "carol@test.dom", "INBOX")]
    [InlineData(null, "no account carol@test.dom", "subscription", "list", "carol@test.dom")]
    [InlineData(null, "no account carol@test.dom", "alias", "add", "al@test.dom", "carol@test.dom")]
    [InlineData(null, "no account carol@test.dom", "settings", "set", "--account", "carol@test.dom", "RealName", "Carol")]
    [InlineData(null, "no account carol@test.dom", "mailbox", "acl", "set", "~carol/INBOX", "bob@test.dom", "lrs")]
    [InlineData(null, "no account carol@test.dom", "mailbox", "acl", "get", "~carol@test.dom/INBOX")]
    [InlineData(null, "'x y' is not a valid address", "mailbox", "acl", "get", "~x y/INBOX")]
    [InlineData(null, "unknown domain nodom.dom", "domain", "remove", "nodom.dom")]
    [InlineData(null, "unknown domain nodom.dom", "account", "list", "nodom.dom")]
    [InlineData(null, "unknown domain nodom.dom", "forwarder", "list", "nodom.dom")]
    [InlineData(null, "unknown domain nodom.dom", "group", "list", "nodom.dom")]
    [InlineData(null, "unknown domain nodom.dom", "list", "all", "nodom.dom")]
    [InlineData(null, "unknown domain nodom.dom", "settings", "set", "--domain", "nodom.dom", "MailToUnknown", "Discarded")]
    // malformed address or name
    [InlineData(null, "'not an address' is not a valid address", "account", "add", "not an address", "--password", "x")]
    [InlineData(null, "'a@b@c' is not a valid address", "account", "add", "a@b@c", "--password", "x")]
    [InlineData(null, "'x y' is not a valid address", "alias", "add", "x y", "alice@test.dom")]
    [InlineData(null, "'bad..dom' is not a valid domain name", "domain", "add", "bad..dom")]
    [InlineData(null, "'alice/INBOX' is not a mailbox name", "mailbox", "acl", "get", "alice/INBOX")]
    [InlineData(Message, "'bad addr' is not a valid sender address", "submit", "--from", "bad addr", "alice@test.dom")]
    [InlineData(Message, "'not a rcpt' is not a valid recipient address", "submit", "--from", "bob@test.dom", "not a rcpt")]
    // bad rights string (RFC 4314 §2.1: an unknown letter is an error, never ignored)
    [InlineData(null, "lrsZ", "mailbox", "acl", "set", "~alice/INBOX", "bob@test.dom", "lrsZ")]
    [InlineData(null, "lr1", "mailbox", "acl", "set", "~alice/INBOX", "bob@test.dom", "+lr1")]
    // what does not exist or may not be done
    [InlineData(null, "~alice/Nope: No such mailbox", "mailbox", "acl", "get", "~alice/Nope")]
    [InlineData(null, "~alice@test.dom/Nope: No such mailbox", "mailbox", "delete", "alice@test.dom", "Nope")]
    [InlineData(null, "INBOX cannot be deleted", "mailbox", "delete", "alice@test.dom", "INBOX")]
    [InlineData(null, "already exists", "mailbox", "create", "alice@test.dom", "INBOX")]
    [InlineData(null, "already exists", "account", "add", "alice@test.dom", "--password", "x")]
    [InlineData(null, "domain test.dom already exists", "domain", "add", "test.dom")]
    [InlineData(null, "unknown setting 'Nope' (known: MainDomain,", "settings", "get", "Nope")]
    [InlineData(null, "IPAddresses is not set and has no default", "settings", "get", "--domain", "test.dom", "IPAddresses")]
    [InlineData(null, "at most one of", "settings", "list", "--domain", "test.dom", "--account", "alice@test.dom")]
    [InlineData(null, "no queued message NOPE", "queue", "show", "NOPE")]
    [InlineData(null, "no queued message NOPE", "queue", "retry", "NOPE")]
    [InlineData(null, "no queued message NOPE", "queue", "delete", "NOPE")]
    [InlineData(null, "no plugin Nope", "plugins", "unload", "Nope")]
    [InlineData(null, "no plugin folder or .dll at /nonexistent-plugin", "plugins", "install", "/nonexistent-plugin")]
    [InlineData("", "no message on stdin", "submit", "--from", "bob@test.dom", "alice@test.dom")]
    [InlineData("", "no password on stdin", "account", "add", "dave@test.dom", "--password", "-")]
    // unknown command, option or missing argument: a parse error names the command whose help to read
    [InlineData(null, "'frobnicate'. (see kernel --help)", "frobnicate")]
    [InlineData(null, "'--bogus'. (see kernel domain list --help)", "domain", "list", "--bogus")]
    [InlineData(null, "Required command was not provided. (see kernel account --help)", "account")]
    [InlineData(null, "(see kernel account add --help)", "account", "add")]
    [InlineData(null, "(see kernel mailbox acl set --help)", "mailbox", "acl", "set", "~alice/INBOX", "bob@test.dom")]
    [InlineData(Message, "'--from' is required. (see kernel submit --help)", "submit", "alice@test.dom")]
    [InlineData(null, "'--bogus'", "serve", "--bogus")]
    // issue 8 §4: errors that exited 0, and @words read as response files
    [InlineData(null, "no queue nosuch-queue", "queue", "release", "nosuch-queue")]
    [InlineData(null, "'a*%b' is not a valid mailbox name: '*' and '%' are IMAP LIST wildcards", "mailbox", "create", "alice@test.dom", "a*%b")]
    [InlineData(null, "'Work/x%' is not a valid mailbox name", "mailbox", "create", "~alice/Work/x%")]
    [InlineData(null, "'@test.dom' is not a valid address", "account", "add", "@test.dom", "--password", "x")]
    [InlineData(null, "'@accounts.txt' is not a valid address", "account", "add", "@accounts.txt", "--password", "x")]
    [InlineData(null, "plugin Nope is not set aside", "plugins", "enable", "Nope")]
    // issue 9 §4: only known settings, only values they accept, only where they are read
    [InlineData(null, "unknown setting 'Colour'", "settings", "set", "Colour", "red")]
    [InlineData(null, "unknown setting 'Quota'", "domain", "set", "test.dom", "Quota", "50")]
    [InlineData(null, "unknown setting 'Quota'", "account", "set", "alice@test.dom", "Quota", "50")]
    [InlineData(null, "SMTP.RelayFrom: 'nobdy' is not allowed (allowed: clients, nobody, anybody)", "settings", "set", "SMTP.RelayFrom", "nobdy")]
    [InlineData(null, "MailToUnknown: 'Rerouted to: *@x' is not allowed (allowed: Rejected, Discarded, AcceptedAndBounced, Rerouted:<address>)", "domain", "set", "test.dom", "MailToUnknown", "Rerouted to: *@x")]
    [InlineData(null, "MailToUnknown: 'Rerouted to: *@x' is not allowed", "settings", "set", "--domain", "test.dom", "MailToUnknown", "Rerouted to: *@x")]
    [InlineData(null, "MailboxQuotaBytes: 'lots' is not allowed (allowed: a whole number of bytes", "settings", "set", "MailboxQuotaBytes", "lots")]
    [InlineData(null, "SMTP.RelayToHostsWeBackup: 'yes' is not allowed (allowed: true, false)", "settings", "set", "SMTP.RelayToHostsWeBackup", "yes")]
    [InlineData(null, "Network.ClientIpAddresses: '10.0.0.300' is not allowed", "settings", "set", "ClientIpAddresses", "10.0.0.300")]
    [InlineData(null, "SMTP.RelayFrom is not read at the domain level (set it at: server)", "settings", "set", "--domain", "test.dom", "SMTP.RelayFrom", "nobody")]
    [InlineData(null, "unknown domain nodom.dom", "domain", "set", "nodom.dom", "MailToUnknown", "Discarded")]
    // issue 9 §4: forwarders, groups, mailing lists
    [InlineData(null, "no forwarder nofw@test.dom", "forwarder", "show", "nofw@test.dom")]
    [InlineData(null, "no forwarder nofw@test.dom", "forwarder", "remove", "nofw@test.dom")]
    [InlineData(null, "alice@test.dom is an account, not a forwarder", "forwarder", "remove", "alice@test.dom")]
    [InlineData(null, "already exists", "forwarder", "add", "alice@test.dom", "x@far.example")]
    [InlineData(null, "unknown domain nodom.dom", "group", "add", "g@nodom.dom")]
    [InlineData(null, "already exists", "group", "add", "alice@test.dom")]
    [InlineData(null, "no group nog@test.dom", "group", "set", "nog@test.dom", "alice@test.dom")]
    [InlineData(null, "no mailing list nol@test.dom", "list", "remove", "nol@test.dom")]
    [InlineData(null, "bob@test.dom is an account, not a group", "group", "remove", "bob@test.dom")]
    [InlineData(null, "'not an address'", "list", "add", "badlist@test.dom", "not an address")]
    public async Task BadInputIsOneLineNonZeroAndWritesNothing(string? stdin, string expected, params string[] args)
    {
        var before = DataSnapshot.Take(data.Path);

        var result = await data.RunWithInputAsync(stdin, args);

        CliAssert.FailsWithOneLine(result, expected);
        Assert.Equal(before, DataSnapshot.Take(data.Path));
    }

    [Theory]
    [InlineData("account", "list", "test.dom")]
    [InlineData("mailbox", "list", "alice@test.dom")]
    [InlineData("queue", "list")]
    [InlineData("settings", "set", "SMTP.RelayFrom", "nobody")]
    [InlineData("domain", "remove", "test.dom")]
    public async Task MissingDataFolderIsOneLineAndCreatesNothing(params string[] args)
    {
        var missing = Path.Combine(Path.GetTempPath(), "kernel-missing-" + Guid.NewGuid().ToString("N"));

        var result = await KernelCli.RunAsync(missing, null, args);

        CliAssert.FailsWithOneLine(result, $"data folder {missing} does not exist");
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task AResponseFileIsNeverRead()
    {
        using var cwd = new TempDataFolder();
        await File.WriteAllTextAsync(Path.Combine(cwd.Path, "accounts.txt"), "carol@test.dom\n");
        var before = DataSnapshot.Take(data.Path);

        var result = await KernelCli.RunAsync(data.Path, null, ["account", "add", "@accounts.txt", "--password", "x", NoPlugins], new KernelCliOptions { WorkingDirectory = cwd.Path });

        CliAssert.FailsWithOneLine(result, "'@accounts.txt' is not a valid address");
        Assert.Equal(before, DataSnapshot.Take(data.Path));
    }

    [Fact]
    public async Task AFileGivenAsTheDataFolderIsNamedAsAFile()
    {
        using var parent = new TempDataFolder();
        var file = Path.Combine(parent.Path, "data");
        await File.WriteAllTextAsync(file, "not a folder");

        CliAssert.FailsWithOneLine(await KernelCli.RunAsync(file, null, ["account", "list", "test.dom", NoPlugins]), $"data folder {file} is a file, not a folder");
        CliAssert.FailsWithOneLine(await KernelCli.RunAsync(file, null, ["domain", "add", "x.dom", NoPlugins]), "is a file, not a folder");
        CliAssert.FailsWithOneLine(await KernelCli.RunAsync(Path.Combine(file, "sub"), null, ["domain", "add", "x.dom", NoPlugins]), $"{file} is a file, not a folder");
        Assert.Equal("not a folder", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task AnEmptyDataOptionIsOneLine()
    {
        CliAssert.FailsWithOneLine(await KernelCli.RunAsync(null, null, ["account", "list", "test.dom", "--data", "", NoPlugins]), "the data folder given by --data is empty");
        CliAssert.FailsWithOneLine(await KernelCli.RunAsync(null, null, ["serve", "--data", "", NoPlugins], TimeSpan.FromSeconds(30)), "the data folder given by --data is empty");
    }

    [Theory]
    [InlineData("{\"Logging\":{\"LogLevel\":{\"Default\":\"Loud\"}}}", "Logging:LogLevel:Default = 'Loud' is not a log level")]
    [InlineData("{\"Kernel\":{\"PluginsDirectory\":\"\"}}", "Kernel:PluginsDirectory is empty")]
    [InlineData("{\"Kernel\":{\"PluginStartTimeout\":\"soon\"}}", "Kernel:PluginStartTimeout = 'soon' is not a number of seconds")]
    public async Task ABadSettingIsOneLineNamingItsFileForEveryCommandAndServe(string json, string expected)
    {
        using var cwd = new TempDataFolder();
        var file = Path.Combine(cwd.Path, "appsettings.json");
        await File.WriteAllTextAsync(file, json);
        var options = new KernelCliOptions { WorkingDirectory = cwd.Path, Timeout = TimeSpan.FromSeconds(30) };

        foreach (var args in new[] { new[] { "account", "list", "test.dom" }, ["domain", "list"], ["serve"] })
            CliAssert.FailsWithOneLine(await KernelCli.RunAsync(data.Path, null, args, options), $"configuration file {file}", expected);
    }

    [Fact]
    public async Task DomainAddThatFailsOnANewDataFolderLeavesNoFolder()
    {
        var missing = Path.Combine(Path.GetTempPath(), "kernel-missing-" + Guid.NewGuid().ToString("N"));

        var result = await KernelCli.RunAsync(missing, null, ["domain", "add", "bad..dom"]);

        CliAssert.FailsWithOneLine(result, "'bad..dom' is not a valid domain name");
        Assert.False(Directory.Exists(missing), "a failed first `domain add` left a half-made data folder behind");
    }

    [Fact]
    public async Task DomainAddCreatesTheDataFolderAsTheFirstSetUpStep()
    {
        using var parent = new TempDataFolder();
        var folder = Path.Combine(parent.Path, "data");

        CliAssert.Ok(await KernelCli.RunAsync(folder, null, ["domain", "add", "first.dom", NoPlugins]));

        Assert.Contains("first.dom (main)", CliAssert.Ok(await KernelCli.RunAsync(folder, null, ["domain", "list", NoPlugins])).Output);
    }

    [Fact]
    public async Task DomainAddCreatesTheDataFolderWhereverDataStandsOnTheLine()
    {
        using var parent = new TempDataFolder();
        var folder = Path.Combine(parent.Path, "data");

        CliAssert.Ok(await KernelCli.RunAsync(null, null, ["--data", folder, "domain", "add", "first.dom", NoPlugins]));

        Assert.True(File.Exists(Path.Combine(folder, "kernel.db")));
    }

    [Fact]
    public async Task ADataFolderIsTakenFromDataOptionThenKernelDataThenDotData()
    {
        using var other = new TempDataFolder();
        CliAssert.Ok(await KernelCli.RunAsync(other.Path, null, ["domain", "add", "other.dom", NoPlugins]));
        using var cwd = new TempDataFolder();
        CliAssert.Ok(await KernelCli.RunAsync(Path.Combine(cwd.Path, "data"), null, ["domain", "add", "cwd.dom", NoPlugins]));
        var withEnvironment = new KernelCliOptions { Environment = new Dictionary<string, string> { ["KERNEL_DATA"] = data.Path }, WorkingDirectory = cwd.Path };

        var fromEnvironment = await KernelCli.RunAsync(null, null, ["domain", "list", NoPlugins], withEnvironment);
        var optionBeatsEnvironment = await KernelCli.RunAsync(other.Path, null, ["domain", "list", NoPlugins], withEnvironment);
        var fromWorkingDirectory = await KernelCli.RunAsync(null, null, ["domain", "list", NoPlugins], new KernelCliOptions { WorkingDirectory = cwd.Path });

        Assert.Equal("test.dom (main)", CliAssert.Ok(fromEnvironment).Output.Trim());
        Assert.Equal("other.dom (main)", CliAssert.Ok(optionBeatsEnvironment).Output.Trim());
        Assert.Equal("cwd.dom (main)", CliAssert.Ok(fromWorkingDirectory).Output.Trim());
    }
}
