using Kernel.Testing;
using Kernel.Tests.Storage;

namespace Kernel.Tests.Cli;

/// <summary>
/// One data folder for a test class, set up through the CLI as an operator would: <c>test.dom</c> (the Main Domain),
/// <c>alice@test.dom</c> ("Alice Liddell") and <c>bob@test.dom</c>. Commands run with an empty plugins directory, so
/// what they print is the kernel's alone, whatever plugins the build lays out.
/// </summary>
public sealed class CliDataFolder : IAsyncLifetime
{
    private readonly TempDataFolder _data = new();
    private readonly TempDataFolder _plugins = new();

    public string Path => _data.Path;

    public string PluginsDirectory => _plugins.Path;

    public async Task InitializeAsync()
    {
        CliAssert.Ok(await RunAsync("domain", "add", "test.dom"));
        CliAssert.Ok(await RunAsync("account", "add", "alice@test.dom", "--password", "pw", "--real-name", "Alice Liddell"));
        CliAssert.Ok(await RunAsync("account", "add", "bob@test.dom", "--password", "pw"));
    }

    public Task<CliResult> RunAsync(params string[] args) => RunWithInputAsync(null, args);

    public Task<CliResult> RunWithInputAsync(string? input, params string[] args) =>
        KernelCli.RunAsync(Path, input, [.. args, $"--Kernel:PluginsDirectory={PluginsDirectory}"]);

    public Task DisposeAsync()
    {
        _data.Dispose();
        _plugins.Dispose();
        return Task.CompletedTask;
    }
}
