using Kernel.Testing;
using Kernel.Tests.Cli;
using Kernel.Tests.Storage;

namespace Kernel.Tests.Server;

/// <summary>
/// One <c>kernel serve</c> process for a test class, on a data folder prepared with the CLI before it starts
/// (test.dom, alice "Alice Liddell", bob, and a message to alice submitted while no server ran), with the Finger
/// sample on a free port, the Healthy test plugin (it exports <c>kernel healthy ping</c>), and two broken plugins:
/// ThrowingStart (StartAsync throws) and SdkOne (built for SDK 1.x). Debug logging shows the configuration watcher.
/// </summary>
public sealed class RunningServer : IAsyncLifetime
{
    private readonly TempDataFolder _data = new();
    private readonly TempDataFolder _noPlugins = new();
    private KernelProcess? _kernel;

    public KernelProcess Kernel => _kernel ?? throw new InvalidOperationException("not started");

    public string DataDirectory => _data.Path;

    /// <summary>The queue id of the message submitted before the server started.</summary>
    public string OfflineSubmission { get; private set; } = "";

    public async Task InitializeAsync()
    {
        CliAssert.Ok(await CliAsync("domain", "add", "test.dom"));
        CliAssert.Ok(await CliAsync("account", "add", "alice@test.dom", "--password", "pw", "--real-name", "Alice Liddell"));
        CliAssert.Ok(await CliAsync("account", "add", "bob@test.dom", "--password", "pw"));
        OfflineSubmission = CliAssert.Ok(await CliWithInputAsync("From: bob@test.dom\nSubject: before serve\n\nhello\n", "submit", "--from", "bob@test.dom", "alice@test.dom")).Output.Trim();
        _kernel = await KernelProcess.StartAsync(new KernelProcessOptions
        {
            DataDirectory = _data.Path,
            Plugins = ["Finger", "Healthy", "ThrowingStart", "SdkOne"],
            Settings = new Dictionary<string, string>
            {
                ["Finger:Listen:0"] = "127.0.0.1:0",
                ["Logging:LogLevel:Default"] = "Debug",
            },
        });
    }

    /// <summary>A CLI command on the server's data folder, with no plugins of its own (so its stderr is the command's alone).</summary>
    public Task<CliResult> CliAsync(params string[] args) => CliWithInputAsync(null, args);

    public Task<CliResult> CliWithInputAsync(string? input, params string[] args) =>
        KernelCli.RunAsync(_data.Path, input, [.. args, $"--Kernel:PluginsDirectory={_noPlugins.Path}"]);

    /// <summary>A CLI command that loads the server's plugins, as an operator's `kernel` beside the server would.</summary>
    public Task<CliResult> CliWithServerPluginsAsync(params string[] args) =>
        KernelCli.RunAsync(_data.Path, null, [.. args, $"--Kernel:PluginsDirectory={Kernel.PluginsDirectory}"]);

    public async Task DisposeAsync()
    {
        if (_kernel is not null) await _kernel.DisposeAsync();
        _data.Dispose();
        _noPlugins.Dispose();
    }
}
