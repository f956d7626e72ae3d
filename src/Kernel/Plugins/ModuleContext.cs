using Kernel.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Kernel.Plugins;

/// <summary>What the host hands a module at start: its name, configuration, logging, own data folder, listeners and connection host.</summary>
public sealed class ModuleContext : IModuleContext
{
    public ModuleContext(string name, IConfiguration configuration, ILoggerFactory loggerFactory, string dataDirectory, IListenerRegistry listeners, IConnectionHost connections)
    {
        Name = name;
        Configuration = configuration;
        Settings = configuration.GetSection(name);
        LoggerFactory = loggerFactory;
        DataDirectory = dataDirectory;
        Listeners = listeners;
        Connections = connections;
    }

    public string Name { get; }

    public IConfiguration Configuration { get; }

    public IConfigurationSection Settings { get; }

    public ILoggerFactory LoggerFactory { get; }

    public string DataDirectory { get; }

    public IListenerRegistry Listeners { get; }

    public IConnectionHost Connections { get; }
}
