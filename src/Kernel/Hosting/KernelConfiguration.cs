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

    /// <summary>The data folder, in the order <c>--data</c>, <c>KERNEL_DATA</c>, <c>Kernel:Data</c>, <c>./data</c>.</summary>
    public static string DataDirectory(string? dataOption, IConfiguration configuration) =>
        Path.GetFullPath(dataOption
            ?? Environment.GetEnvironmentVariable("KERNEL_DATA")
            ?? configuration["Kernel:Data"]
            ?? "./data");

    public static string PluginsDirectory(IConfiguration configuration) =>
        Path.GetFullPath(configuration["Kernel:PluginsDirectory"] ?? KernelPaths.DefaultPluginsDirectory);
}
