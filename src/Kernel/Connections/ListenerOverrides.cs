using System.Globalization;
using Kernel.Abstractions;
using Microsoft.Extensions.Configuration;

namespace Kernel.Connections;

/// <summary>
/// What an operator configured for one listener wins over what the plugin asked: <c>&lt;Plugin&gt;[:&lt;Role&gt;]:</c>
/// <c>MaxConnections</c>, <c>MaxConnectionsPerIp</c>, <c>IdleTimeoutSeconds</c>, <c>ImplicitTls</c>.
/// </summary>
internal static class ListenerOverrides
{
    public static ConnectionListenerOptions Apply(ConnectionListenerOptions options, IConfiguration configuration, string plugin)
    {
        var prefix = options.Role is null ? plugin : $"{plugin}:{options.Role}";
        var section = configuration.GetSection(prefix);
        return options with
        {
            MaxConnections = Positive(section, "MaxConnections") ?? options.MaxConnections,
            MaxConnectionsPerIp = Positive(section, "MaxConnectionsPerIp") ?? options.MaxConnectionsPerIp,
            IdleTimeout = Positive(section, "IdleTimeoutSeconds") is { } seconds ? TimeSpan.FromSeconds(seconds) : options.IdleTimeout,
            ImplicitTls = Flag(section, "ImplicitTls") ?? options.ImplicitTls,
        };
    }

    /// <summary>A value that cannot be meant: a bad setting is a start-up error naming the key, never silently ignored.</summary>
    public static void Validate(ConnectionListenerOptions options, string plugin)
    {
        var name = options.Role is null ? plugin : $"{plugin}:{options.Role}";
        if (options.DefaultPort is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(options), $"{name}: DefaultPort {options.DefaultPort} is not a port");
        if (options.MaxConnections <= 0) throw new ArgumentOutOfRangeException(nameof(options), $"{name}: MaxConnections must be positive");
        if (options.MaxConnectionsPerIp <= 0) throw new ArgumentOutOfRangeException(nameof(options), $"{name}: MaxConnectionsPerIp must be positive");
        if (options.IdleTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), $"{name}: IdleTimeout must be positive");
    }

    private static int? Positive(IConfigurationSection section, string key)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
            throw new Listeners.ListenerConfigurationException($"{section.Path}:{key}: '{text}' is not a positive whole number");
        return value;
    }

    private static bool? Flag(IConfigurationSection section, string key)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (!bool.TryParse(text, out var value)) throw new Listeners.ListenerConfigurationException($"{section.Path}:{key}: '{text}' is not true or false");
        return value;
    }
}
