using System.Composition.Hosting;
using System.Runtime.Loader;
using Kernel.Abstractions;
using Kernel.Connections;
using McMaster.NETCore.Plugins;

namespace Kernel.Plugins;

/// <summary>
/// One loaded plugin: its loader (collectible load context), its MEF container, module instances and the extension
/// exports that came from its own assemblies. Everything that pins the load context is held here and only here,
/// so <see cref="Dispose"/> lets the context be collected.
/// </summary>
internal sealed class LoadedPlugin : IDisposable
{
    private PluginLoader? _loader;
    private CompositionHost? _container;

    public LoadedPlugin(PluginLoader loader, CompositionHost container, IReadOnlyList<IModule> modules, ModuleMetadata metadata, Version sdkVersion)
    {
        _loader = loader;
        _container = container;
        Modules = modules;
        Metadata = metadata;
        SdkVersion = sdkVersion;
        LoadContext = new WeakReference(loader.LoadContext);
        var context = loader.LoadContext;
        Routers = Own<IAddressRouter>(container, context);
        RuleEngines = Own<IRuleEngine>(container, context);
        MailTransports = Own<IMailTransport>(container, context);
        SignalTransports = Own<ISignalTransport>(container, context);
        CliCommands = Own<ICliCommands>(container, context);
    }

    public IReadOnlyList<IModule> Modules { get; private set; }

    public ModuleMetadata Metadata { get; }

    public Version SdkVersion { get; }

    /// <summary>Weak, so tests (and diagnostics) can watch the context being collected.</summary>
    public WeakReference LoadContext { get; }

    public IReadOnlyList<IAddressRouter> Routers { get; private set; }

    public IReadOnlyList<IRuleEngine> RuleEngines { get; private set; }

    public IReadOnlyList<IMailTransport> MailTransports { get; private set; }

    public IReadOnlyList<ISignalTransport> SignalTransports { get; private set; }

    public IReadOnlyList<ICliCommands> CliCommands { get; private set; }

    /// <summary>The connection host of the started plugin (null until started, or without a connection server).</summary>
    public PluginConnectionHost? Connections { get; set; }

    /// <summary>
    /// The exports of <typeparamref name="T"/> whose implementation lives in the plugin's own load context: the kernel's
    /// own services exported into the container (its router, for one) are not the plugin's.
    /// </summary>
    private static IReadOnlyList<T> Own<T>(CompositionHost container, AssemblyLoadContext context) =>
        container.GetExports<T>().Where(e => e is not null && AssemblyLoadContext.GetLoadContext(e.GetType().Assembly) == context).ToArray();

    public void Dispose()
    {
        Modules = [];
        Routers = [];
        RuleEngines = [];
        MailTransports = [];
        SignalTransports = [];
        CliCommands = [];
        Connections = null;
        _container?.Dispose();
        _container = null;
        _loader?.Dispose();
        _loader = null;
    }
}
