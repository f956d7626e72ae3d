using Kernel.Abstractions;
using Kernel.Bus;
using Kernel.Connections;
using Kernel.Listeners;
using Kernel.Plugins;
using Kernel.Testing.Stores;
using Kernel.Tests.Storage;
using Kernel.Tls;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Tests.Plugins;

/// <summary>A temp data folder with a plugins folder, fake kernel services, and the hosts a test creates (disposed at the end).</summary>
internal sealed class PluginHostHarness : IAsyncDisposable
{
    private readonly TempDataFolder _folder = new();
    private readonly List<PluginHost> _hosts = [];
    private readonly SqliteStoreProvider _stores = new();

    public PluginHostHarness()
    {
        PluginsDirectory = Path.Combine(_folder.Path, "plugins");
        DataDirectory = Path.Combine(_folder.Path, "data");
        Directory.CreateDirectory(PluginsDirectory);
        Directory.CreateDirectory(DataDirectory);
        Bus = new InProcessMessageBus(NullLogger<InProcessMessageBus>.Instance);
        Accounts = _stores.CreateAccountStore();
        Certificates = new ServerCertificates(new ConfigurationBuilder().Build(), DataDirectory, TimeProvider.System, NullLogger<ServerCertificates>.Instance);
        Connections = new ConnectionServer(Listeners, Certificates, Logs);
        Services = new FakeServices()
            .Add<IAccountStore>(Accounts)
            .Add<IListenerRegistry>(Listeners)
            .Add(Connections);
    }

    public string PluginsDirectory { get; }

    public string DataDirectory { get; }

    /// <summary>The real account store over its own database (empty until <see cref="SeedDirectoryAsync"/>).</summary>
    public IAccountStore Accounts { get; }

    /// <summary>Main Domain test.dom with alice, "Alice Liddell": what the Finger sample looks up.</summary>
    public Task SeedDirectoryAsync() => Accounts.EnsureAccountAsync(new AccountAddress("alice", "test.dom"), "Alice Liddell");

    /// <summary>The kernel's real registry and connection server: plugins listen where <c>&lt;Name&gt;:Listen</c> says (tests give 127.0.0.1:0).</summary>
    public ListenerRegistry Listeners { get; } = new();

    public ServerCertificates Certificates { get; }

    public ConnectionServer Connections { get; }

    public InProcessMessageBus Bus { get; }

    public FakeServices Services { get; }

    public FixedRouter DefaultRouter { get; } = new("kernel-default");

    public RecordingLoggerFactory Logs { get; } = new();

    public string Install(string name) => TestPlugins.CopyInto(PluginsDirectory, name);

    public string PluginData(string name, string file) => Path.Combine(DataDirectory, "plugins", name, file);

    public PluginHost CreateHost(Dictionary<string, string?>? settings = null, Func<PluginHostOptions, PluginHostOptions>? adjust = null, PluginStateTable? states = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build();
        var options = PluginHostOptions.FromConfiguration(configuration, DataDirectory, PluginsDirectory) with
        {
            ScanInterval = TimeSpan.FromMilliseconds(200),
            StopTimeout = TimeSpan.FromSeconds(5),
        };
        if (adjust is not null) options = adjust(options);
        var host = new PluginHost(options, Services, Logs, Bus, DefaultRouter, states);
        _hosts.Add(host);
        return host;
    }

    /// <summary>Polls until the plugin reaches the state, within a bound; returns its last status.</summary>
    public static async Task<PluginStatus?> WaitForStateAsync(PluginHost host, string name, PluginState state, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var status = host.Find(name);
            if (status?.State == state || DateTime.UtcNow > deadline) return status;
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts) await host.DisposeAsync();
        _stores.Dispose();
        _folder.Dispose();
    }
}
