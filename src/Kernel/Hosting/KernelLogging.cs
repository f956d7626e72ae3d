using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Kernel.Hosting;

/// <summary>
/// Console logging from the <c>Logging</c> section. One line per entry so that <c>listening smtp 127.0.0.1:40123</c>
/// can be read by scripts; <c>Logging:Console:FormatterName=json</c> switches to structured JSON lines. CLI commands
/// log nothing by default (their stderr is one error line); <c>Logging:Cli:MinimumLevel</c> turns entries on, to stderr.
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
            // A CLI command's stderr is its one error line: what went wrong inside (a full disk while storing a body, a
            // broken plugin — `kernel plugins list` shows that) is already in it, so the kernel's own log entries stay
            // quiet unless an operator asks for them with --Logging:Cli:MinimumLevel=Warning (or Debug…).
            if (forCli)
            {
                var minimum = Enum.TryParse<LogLevel>(configuration["Logging:Cli:MinimumLevel"], ignoreCase: true, out var level) ? level : LogLevel.None;
                builder.AddFilter((category, entry) => entry >= minimum && entry != LogLevel.None
                    && (minimum < LogLevel.Warning || !(category ?? "").StartsWith("Kernel.Plugins", StringComparison.Ordinal)));
            }
        });
}
