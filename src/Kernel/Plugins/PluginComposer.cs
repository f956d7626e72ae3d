using System.Composition.Hosting;
using System.Reflection;
using System.Runtime.Loader;
using Kernel.Abstractions;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Kernel.Plugins;

/// <summary>
/// Loads one plugin folder into its own collectible load context and composes it: the checks that run before any
/// plugin code (<see cref="PluginAssemblyCheck"/>), eager resolution of every reference, then one MEF2 container built
/// from the kernel's services plus the plugin's assembly.
/// </summary>
internal sealed class PluginComposer
{
    /// <summary>
    /// The assemblies the host and every plugin share (design.md "The plugin boundary"): the SDK, the MEF attributed
    /// model and runtime, the logging and configuration abstractions. Everything else a plugin uses is its own.
    /// </summary>
    public static readonly IReadOnlyList<string> SharedAssemblyNames =
    [
        PluginAssemblyCheck.SdkAssemblyName,
        "System.Composition.AttributedModel",
        "System.Composition.Runtime",
        "System.Composition.Hosting",
        "System.Composition.TypedParts",
        "System.Composition.Convention",
        "Microsoft.Extensions.Logging.Abstractions",
        "Microsoft.Extensions.Configuration.Abstractions",
        "Microsoft.Extensions.Primitives",
        "Microsoft.Extensions.DependencyInjection.Abstractions",
    ];

    private static readonly HashSet<string> Shared = new(SharedAssemblyNames, StringComparer.OrdinalIgnoreCase);

    private static readonly string FrameworkDirectory =
        Path.GetDirectoryName(typeof(object).Assembly.Location) ?? "";

    private readonly Lazy<Action<ContainerConfiguration>> _exportKernelServices;

    public PluginComposer(IServiceProvider kernelServices, ILoggerFactory loggerFactory, IConfiguration configuration, IMessageBus bus, IAddressRouter currentRouter)
    {
        // Read the services once, when the first plugin is composed (not here: some kernel services, such as the
        // queue, depend on the plugin host that owns this composer); each container gets the same instances.
        _exportKernelServices = new(() =>
        {
            var accounts = kernelServices.GetService(typeof(IAccountStore)) as IAccountStore;
            var mailboxes = kernelServices.GetService(typeof(IMailboxStore)) as IMailboxStore;
            var files = kernelServices.GetService(typeof(IFileStore)) as IFileStore;
            var queue = kernelServices.GetService(typeof(IMessageQueue)) as IMessageQueue;
            var locations = kernelServices.GetService(typeof(ILocationStore)) as ILocationStore;
            var dns = kernelServices.GetService(typeof(IDnsResolver)) as IDnsResolver;
            var factory = kernelServices.GetService(typeof(IMessageFactory)) as IMessageFactory;
            var listeners = kernelServices.GetService(typeof(IListenerRegistry)) as IListenerRegistry;
            var configurationStore = kernelServices.GetService(typeof(IConfigurationStore)) as IConfigurationStore;
            var certificates = kernelServices.GetService(typeof(ICertificateProvider)) as ICertificateProvider;
            var loginThrottle = kernelServices.GetService(typeof(ILoginThrottle)) as ILoginThrottle;
            return c =>
            {
                Export(c, accounts);
                Export(c, mailboxes);
                Export(c, files);
                Export(c, queue);
                Export(c, bus);
                Export(c, currentRouter);
                Export(c, currentRouter as ISourceClassifier);
                Export(c, locations);
                Export(c, dns);
                Export(c, factory);
                Export(c, listeners);
                Export(c, configurationStore);
                Export(c, certificates);
                Export(c, loginThrottle);
                Export(c, loggerFactory);
                Export(c, configuration);
            };
        });
    }

    private static void Export<T>(ContainerConfiguration configuration, T? instance) where T : class
    {
        if (instance is not null) configuration.WithExport(instance);
    }

    /// <summary>Loads and composes, or throws <see cref="PluginLoadException"/> with the one-line reason (nothing is left loaded).</summary>
    public LoadedPlugin Load(string name, string folder)
    {
        var sdk = PluginAssemblyCheck.Check(name, folder);
        var mainPath = Path.Combine(folder, name + ".dll");
        var loader = PluginLoader.CreateFromAssemblyFile(mainPath, isUnloadable: true, sharedTypes: [typeof(IModule)], configure: config =>
        {
            // Loading from memory: overwriting or deleting a loaded DLL must never reach the mapped image (SIGBUS).
            config.LoadInMemory = true;
            config.PreferSharedTypes = false;
            foreach (var shared in SharedAssemblyNames) config.SharedAssemblies.Add(new AssemblyName(shared));
        });
        CompositionHost? container = null;
        try
        {
            var assembly = LoadAndResolve(name, loader);
            var configuration = new ContainerConfiguration();
            _exportKernelServices.Value(configuration);
            configuration.WithAssembly(assembly);
            try
            {
                container = configuration.CreateContainer();
            }
            catch (Exception e)
            {
                throw new PluginLoadException("composition failed: " + OneLine(e), e);
            }
            var exports = container.GetExports<Lazy<IModule, ModuleMetadata>>().ToArray();
            if (exports.Length == 0)
                throw new PluginLoadException($"{name}.dll exports no IModule: mark the module class [Module(\"{name}\", \"1.0.0\")] (zero exports also happen when the folder ships its own SDK or System.Composition copy)");
            var modules = new List<IModule>();
            foreach (var export in exports)
            {
                try
                {
                    modules.Add(export.Value);
                }
                catch (Exception e)
                {
                    throw new PluginLoadException("module constructor threw: " + OneLine(e), e);
                }
            }
            var metadata = exports[0].Metadata;
            if (string.IsNullOrEmpty(metadata.Name)) metadata.Name = name;
            return new LoadedPlugin(loader, container, modules, metadata, sdk);
        }
        catch (Exception e)
        {
            container?.Dispose();
            loader.Dispose();
            if (e is PluginLoadException) throw;
            throw new PluginLoadException(OneLine(e), e);
        }
    }

    /// <summary>
    /// Loads the main assembly and every assembly it needs, transitively, now: a missing dependency only throws on
    /// first use otherwise. A reference that resolves to the host's own copy of a non-shared, non-framework assembly
    /// is missing from the plugin folder (a plugin carries its own dependencies, design.md).
    /// </summary>
    private static Assembly LoadAndResolve(string name, PluginLoader loader)
    {
        Assembly main;
        try
        {
            main = loader.LoadDefaultAssembly();
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException or IOException)
        {
            throw new PluginLoadException($"{name}.dll cannot be loaded: {OneLine(e)}", e);
        }
        var context = loader.LoadContext;
        var visited = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { main.GetName().Name ?? name };
        var pending = new Queue<Assembly>([main]);
        while (pending.TryDequeue(out var assembly))
        {
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (reference.Name is null || !visited.Add(reference.Name)) continue;
                Assembly resolved;
                try
                {
                    resolved = context.LoadFromAssemblyName(reference);
                }
                catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException or IOException)
                {
                    throw new PluginLoadException($"missing dependency {reference.Name} {reference.Version} (needed by {assembly.GetName().Name}): {OneLine(e)}", e);
                }
                var owner = AssemblyLoadContext.GetLoadContext(resolved);
                if (owner == context)
                {
                    pending.Enqueue(resolved);
                }
                else if (!Shared.Contains(reference.Name) && !IsFramework(resolved))
                {
                    throw new PluginLoadException($"missing dependency {reference.Name} {reference.Version} (needed by {assembly.GetName().Name}): not in the plugin folder");
                }
            }
        }
        try
        {
            _ = main.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            var first = e.LoaderExceptions.FirstOrDefault(x => x is not null);
            throw new PluginLoadException($"{name}.dll has types that cannot load: {(first is null ? OneLine(e) : OneLine(first))}", e);
        }
        return main;
    }

    private static bool IsFramework(Assembly assembly) =>
        assembly.Location.Length > 0 && FrameworkDirectory.Length > 0 &&
        assembly.Location.StartsWith(FrameworkDirectory, StringComparison.Ordinal);

    /// <summary>The innermost meaningful message, on one line (MEF's messages span several).</summary>
    public static string OneLine(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null && inner is System.Reflection.TargetInvocationException or System.Composition.Hosting.CompositionFailedException or TypeInitializationException or AggregateException)
            inner = inner.InnerException;
        var text = inner.Message.ReplaceLineEndings(" ").Trim();
        while (text.Contains("  ", StringComparison.Ordinal)) text = text.Replace("  ", " ", StringComparison.Ordinal);
        return text;
    }
}
