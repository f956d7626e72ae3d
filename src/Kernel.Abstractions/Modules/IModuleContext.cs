using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Kernel.Abstractions;

/// <summary>What the host hands a module when it starts it.</summary>
public interface IModuleContext
{
    /// <summary>The module's name (its folder name under the plugins directory).</summary>
    string Name { get; }

    /// <summary>The whole server configuration (appsettings.json, environment, command line).</summary>
    IConfiguration Configuration { get; }

    /// <summary>The module's own section: <c>Configuration.GetSection(Name)</c>.</summary>
    IConfigurationSection Settings { get; }

    ILoggerFactory LoggerFactory { get; }

    /// <summary>A folder under the data directory that belongs to this module alone.</summary>
    string DataDirectory { get; }

    /// <summary>The server's bound listeners and own addresses.</summary>
    IListenerRegistry Listeners { get; }

    /// <summary>TCP hosting: listen on a role, and the kernel accepts, limits, times out, encrypts and drains.</summary>
    IConnectionHost Connections { get; }
}
