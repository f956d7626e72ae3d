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
        foreach (var file in new[] { Path.Combine(AppContext.BaseDirectory, "appsettings.json"), Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json") }.Distinct())
        {
            if (File.Exists(file)) builder.AddJsonFile(file, optional: true, reloadOnChange: false);
        }
        // Both spellings the docs use: KERNEL__PLUGINS__0 (the key Kernel:Plugins:0 as is) and, for keys of any section,
        // the prefixed KERNEL__KERNEL__PLUGINS__0 or KERNEL__FINGER__LISTEN__0 (prefix stripped); the prefixed one wins.
        builder.AddEnvironmentVariables();
        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddCommandLine(commandLineSettings.ToArray());
        try
        {
            return builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            var file = e.Message.Contains("appsettings", StringComparison.OrdinalIgnoreCase) ? "" : " (appsettings.json)";
            throw new KernelStartupException($"configuration file is malformed{file}: {e.Message} {e.InnerException?.Message}".Trim());
        }
    }

    /// <summary>The data folder, in the order <c>--data</c>, <c>KERNEL_DATA</c>, <c>Kernel:Data</c>, <c>./data</c>.</summary>
    public static string DataDirectory(string? dataOption, IConfiguration configuration) =>
        Path.GetFullPath(dataOption
            ?? Environment.GetEnvironmentVariable("KERNEL_DATA")
            ?? configuration["Kernel:Data"]
            ?? "./data");

    public static string PluginsDirectory(IConfiguration configuration) =>
        Path.GetFullPath(configuration["Kernel:PluginsDirectory"] ?? KernelPaths.DefaultPluginsDirectory);
}
