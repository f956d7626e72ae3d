using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Kernel.Hosting;

/// <summary>
/// .NET configuration conventions: appsettings.json beside the executable, then appsettings.json in the current
/// folder, then environment variables (<c>KERNEL__PLUGINS__0=Smtp</c> and <c>KERNEL__KERNEL__PLUGINS__0=Smtp</c> are
/// both <c>Kernel:Plugins:0</c>), then <c>--Section:Key=value</c> arguments. A malformed file is a <see cref="KernelStartupException"/> naming it.
/// </summary>
public static class KernelConfiguration
{
    /// <summary>Environment variables with this prefix are configuration keys with the prefix removed.</summary>
    public const string EnvironmentPrefix = "KERNEL__";

    public static IConfigurationRoot Build(IReadOnlyList<string> commandLineSettings)
    {
        var builder = new ConfigurationBuilder();
        var files = new[] { Path.Combine(AppContext.BaseDirectory, "appsettings.json"), Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json") }
            .Distinct().Where(File.Exists).ToList();
        foreach (var file in files) builder.AddJsonFile(file, optional: true, reloadOnChange: false);
        // Both spellings the docs use: KERNEL__PLUGINS__0 (the key Kernel:Plugins:0 as is) and, for keys of any section,
        // the prefixed KERNEL__KERNEL__PLUGINS__0 or KERNEL__FINGER__LISTEN__0 (prefix stripped); the prefixed one wins.
        builder.AddEnvironmentVariables();
        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddCommandLine(commandLineSettings.ToArray());
        try
        {
            return builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or JsonException or IOException or UnauthorizedAccessException)
        {
            throw new KernelStartupException(Describe(e, files));
        }
    }

    /// <summary>
    /// One line for the operator (issue 3 §8 "Bad data"): which file, where in it and what is wrong, e.g.
    /// <c>configuration file /srv/kernel/appsettings.json is malformed: line 4, position 3: '}' is an invalid start of a property name.</c>
    /// </summary>
    internal static string Describe(Exception error, IReadOnlyList<string> files)
    {
        var chain = new List<Exception>();
        for (var e = error; e is not null; e = e.InnerException) chain.Add(e);
        // The JSON provider wraps the parser's error ("Failed to load configuration from file '…'" → "Could not parse
        // the JSON file" → JsonException); the file name is in the outer message, the position in the innermost.
        var file = files.FirstOrDefault(f => chain.Any(e => e.Message.Contains(f, StringComparison.Ordinal)))
                   ?? (files.Count == 1 ? files[0] : "appsettings.json");
        if (chain.OfType<JsonException>().LastOrDefault() is { } json)
        {
            var where = json.LineNumber is { } line ? $"line {line + 1}, position {(json.BytePositionInLine ?? 0) + 1}: " : "";
            return $"configuration file {file} is malformed: {where}{OneLine(WithoutPosition(json.Message))}";
        }
        if (chain.Any(e => e is IOException or UnauthorizedAccessException))
            return $"configuration file {file} cannot be read: {OneLine(chain[^1].Message)}";
        // Errors the provider raises itself (a top-level array, a duplicate key) are the innermost message.
        var reason = chain.Select(e => e.Message).LastOrDefault(m => !m.StartsWith("Failed to load configuration from file", StringComparison.Ordinal))
                     ?? error.Message;
        return $"configuration file {file} is malformed: {OneLine(reason)}";
    }

    // System.Text.Json appends " Path: $.x | LineNumber: 3 | BytePositionInLine: 2." (0-based); the 1-based position is given in front instead.
    private static string WithoutPosition(string message)
    {
        var at = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (at < 0) at = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        return at < 0 ? message : message[..at];
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    /// <summary>The data folder, in the order <c>--data</c>, <c>KERNEL_DATA</c>, <c>Kernel:Data</c>, <c>./data</c>; an empty one is named as such.</summary>
    public static string DataDirectory(string? dataOption, IConfiguration configuration)
    {
        var (value, source) = dataOption is not null ? (dataOption, "--data")
            : Environment.GetEnvironmentVariable("KERNEL_DATA") is { } variable ? (variable, "KERNEL_DATA")
            : configuration["Kernel:Data"] is { } setting ? (setting, "Kernel:Data")
            : ("./data", "default");
        if (string.IsNullOrWhiteSpace(value)) throw new KernelStartupException($"the data folder given by {source} is empty: give the folder's path");
        return FullPath(value, source);
    }

    public static string PluginsDirectory(IConfiguration configuration) =>
        configuration["Kernel:PluginsDirectory"] is { } value ? FullPath(value, "Kernel:PluginsDirectory") : KernelPaths.DefaultPluginsDirectory;

    private static string FullPath(string value, string source)
    {
        try
        {
            return Path.GetFullPath(value);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new KernelStartupException($"{source} '{value}' is not a usable path: {OneLine(e.Message)}");
        }
    }

    /// <summary>
    /// Checks the settings the kernel reads before anything uses them, so a bad value is one line naming where it came
    /// from (a file, the environment, the command line) rather than a crash at first use (issue 8 §4).
    /// </summary>
    public static void Validate(IConfigurationRoot configuration)
    {
        foreach (var (key, value) in configuration.AsEnumerable())
        {
            if (value is null) continue;
            var segments = key.Split(':');
            // Logging:LogLevel:X, Logging:Console:LogLevel:X …: the logging binder throws on anything but a level name.
            if (segments.Length >= 3 && segments[0].Equals("Logging", StringComparison.OrdinalIgnoreCase)
                && segments[^2].Equals("LogLevel", StringComparison.OrdinalIgnoreCase)
                && (!Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(value, ignoreCase: true, out var level) || !Enum.IsDefined(level)))
            {
                throw new KernelStartupException($"{Source(configuration, key)}: {key} = '{value}' is not a log level (Trace, Debug, Information, Warning, Error, Critical, None)");
            }
        }
        if (configuration["Kernel:PluginsDirectory"] is { } plugins && string.IsNullOrWhiteSpace(plugins))
            throw new KernelStartupException($"{Source(configuration, "Kernel:PluginsDirectory")}: Kernel:PluginsDirectory is empty: give a folder, or remove the key for plugins/ beside the executable");
        foreach (var key in new[] { "Kernel:PluginStartTimeout", "Kernel:PluginStopTimeout", "Kernel:ShutdownTimeout" })
        {
            if (configuration[key] is { } text
                && !(double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= 3600))
                throw new KernelStartupException($"{Source(configuration, key)}: {key} = '{text}' is not a number of seconds (0 < n ≤ 3600)");
        }
    }

    /// <summary>Where a key's value comes from: the provider that wins (the last that has it).</summary>
    private static string Source(IConfigurationRoot configuration, string key)
    {
        foreach (var provider in configuration.Providers.Reverse())
        {
            if (!provider.TryGet(key, out _)) continue;
            return provider switch
            {
                Microsoft.Extensions.Configuration.Json.JsonConfigurationProvider json =>
                    "configuration file " + (json.Source.FileProvider?.GetFileInfo(json.Source.Path ?? "").PhysicalPath ?? json.Source.Path),
                Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationProvider => "environment",
                Microsoft.Extensions.Configuration.CommandLine.CommandLineConfigurationProvider => "command line",
                _ => "configuration",
            };
        }
        return "configuration";
    }
}
