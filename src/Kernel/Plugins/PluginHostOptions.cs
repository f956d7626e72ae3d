using Microsoft.Extensions.Configuration;

namespace Kernel.Plugins;

/// <summary>What the <see cref="PluginHost"/> loads and how. <see cref="FromConfiguration"/> reads the <c>Kernel:</c> section.</summary>
public sealed record PluginHostOptions
{
    /// <summary>The folder holding one sub-folder per plugin: <c>plugins/&lt;Name&gt;/&lt;Name&gt;.dll</c>.</summary>
    public required string PluginsDirectory { get; init; }

    /// <summary>The server's data folder; each module gets <c>&lt;data&gt;/plugins/&lt;Name&gt;/</c> as its own.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The whole server configuration, handed to modules.</summary>
    public required IConfiguration Configuration { get; init; }

    /// <summary><c>Kernel:Plugins</c>: the plugin names to run; null or empty runs every folder.</summary>
    public IReadOnlyList<string>? Enabled { get; init; }

    /// <summary><c>Kernel:Router</c>: the plugin whose <c>IAddressRouter</c> is used when several export one.</summary>
    public string? Router { get; init; }

    /// <summary><c>Kernel:Rules</c>: the plugin whose <c>IRuleEngine</c> is used when several export one.</summary>
    public string? Rules { get; init; }

    /// <summary>Whether a started host watches the plugins folder for drop-ins and removals.</summary>
    public bool WatchFolder { get; init; } = true;

    /// <summary>How often the folder is scanned; a new folder loads once it looks the same on two scans in a row.</summary>
    public TimeSpan ScanInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary><c>Kernel:PluginStartTimeout</c> (seconds): the deadline for composing a plugin and for each <c>StartAsync</c>; past it the plugin is failed and abandoned.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary><c>Kernel:PluginStopTimeout</c> (seconds): the deadline each module gets to stop and drain.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Reads <c>Kernel:Plugins</c> (a list, or one comma-separated value as <c>--plugins Smtp,Imap</c> gives),
    /// <c>Kernel:Router</c>, <c>Kernel:Rules</c> and <c>Kernel:PluginsDirectory</c> (default: <c>plugins/</c> beside the executable).
    /// </summary>
    public static PluginHostOptions FromConfiguration(IConfiguration configuration, string dataDirectory, string? pluginsDirectory = null)
    {
        var kernel = configuration.GetSection("Kernel");
        var plugins = kernel.GetSection("Plugins");
        var names = new List<string>();
        foreach (var child in plugins.GetChildren())
        {
            if (!string.IsNullOrWhiteSpace(child.Value)) names.AddRange(SplitNames(child.Value));
        }
        if (!string.IsNullOrWhiteSpace(plugins.Value)) names.AddRange(SplitNames(plugins.Value));
        return new PluginHostOptions
        {
            PluginsDirectory = Path.GetFullPath(pluginsDirectory ?? kernel["PluginsDirectory"] ?? Path.Combine(AppContext.BaseDirectory, "plugins")),
            DataDirectory = Path.GetFullPath(dataDirectory),
            Configuration = configuration,
            Enabled = names.Count == 0 ? null : names,
            Router = Blank(kernel["Router"]),
            Rules = Blank(kernel["Rules"]),
            StartTimeout = Seconds(kernel["PluginStartTimeout"]) ?? TimeSpan.FromSeconds(10),
            StopTimeout = Seconds(kernel["PluginStopTimeout"]) ?? TimeSpan.FromSeconds(5),
        };
    }

    private static IEnumerable<string> SplitNames(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A positive number of seconds, or null (KernelConfiguration.Validate has refused anything else already).</summary>
    internal static TimeSpan? Seconds(string? value) =>
        double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : null;

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
