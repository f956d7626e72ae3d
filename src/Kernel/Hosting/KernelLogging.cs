using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Kernel.Hosting;

/// <summary>
/// Console logging from the <c>Logging</c> section. One line per entry so that <c>listening smtp 127.0.0.1:40123</c>
/// can be read by scripts; <c>Logging:Console:FormatterName=json</c> switches to structured JSON lines. CLI commands
/// log warnings and errors to stderr only, so their stdout stays the command's output.
/// </summary>
public static class KernelLogging
{
    public static ILoggerFactory Create(IConfiguration configuration, bool forCli) =>
        LoggerFactory.Create(builder =>
        {
            builder.AddConfiguration(configuration.GetSection("Logging"));
            if (forCli) builder.SetMinimumLevel(LogLevel.Warning);
            var json = string.Equals(configuration["Logging:Console:FormatterName"], "json", StringComparison.OrdinalIgnoreCase);
            if (json)
            {
                builder.AddJsonConsole(o => o.UseUtcTimestamp = true);
            }
            else
            {
                builder.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fff ";
                    o.UseUtcTimestamp = true;
                });
            }
            if (forCli) builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            // A CLI command's stderr is its one error line: a broken plugin is shown by `kernel plugins list`,
            // not repeated by every command that loads the plugins to find their commands.
            if (forCli) builder.AddFilter((category, level) => level >= LogLevel.Warning && !(category ?? "").StartsWith("Kernel.Plugins", StringComparison.Ordinal));
        });
}
