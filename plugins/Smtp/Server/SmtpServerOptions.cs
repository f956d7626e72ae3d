using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Smtp.Server;

/// <summary>The receiving side's limits and names, read once at start from <c>Smtp:*</c> and <c>Kernel:MaxMessageSize</c> (README lists them).</summary>
internal sealed record SmtpServerOptions
{
    /// <summary>Our name in the greeting, EHLO and <c>Received:</c> (<see cref="SmtpServerName"/>, shared with the delivery side).</summary>
    public string ServerName { get; init; } = "localhost";

    /// <summary>SIZE (RFC 1870): the queue's own limit, so we refuse at MAIL what the queue would refuse after DATA.</summary>
    public long MaxMessageSize { get; init; } = 50L * 1024 * 1024;

    /// <summary>RFC 5321 §4.5.3.1.8: at least 100; above it <c>452 4.5.3</c>.</summary>
    public int MaxRecipients { get; init; } = 100;

    /// <summary>Failed commands before <c>421 4.7.0</c> and close (smtp.md §2.1).</summary>
    public int MaxErrors { get; init; } = 20;

    /// <summary>More <c>Received:</c> fields than this: a mail loop, <c>554 5.4.6</c> (smtp.md §6).</summary>
    public int MaxReceived { get; init; } = 50;

    /// <summary>RFC 5321 §4.5.3.2.7: at least 5 minutes for the next command.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>RFC 5321 §4.5.3.2.5: 3 minutes for each block of data.</summary>
    public TimeSpan DataBlockTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>smtp.md §8: ETRN requests per client address and minute; more → <c>458 4.7.0</c>.</summary>
    public int EtrnPerMinute { get; init; } = 10;

    /// <summary>smtp.md §3.1: on the submission port, MAIL FROM must be the authenticated account (or one of its aliases).</summary>
    public bool SubmissionSenderMustMatchLogin { get; init; } = true;

    /// <summary>smtp.md §2.2 "allow clear-text login": <c>clients</c> (default: PLAIN/LOGIN without TLS only from the Client IP Addresses), <c>always</c>, <c>never</c>.</summary>
    public string ClearTextLogin { get; init; } = "clients";

    public static SmtpServerOptions From(IConfiguration configuration, IConfigurationSection settings)
    {
        var options = new SmtpServerOptions { ServerName = SmtpServerName.From(configuration) };
        if (long.TryParse(configuration["Kernel:MaxMessageSize"], NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0)
            options = options with { MaxMessageSize = size };
        return options with
        {
            MaxRecipients = Number(settings["MaxRecipients"], options.MaxRecipients),
            MaxErrors = Number(settings["MaxErrors"], options.MaxErrors),
            MaxReceived = Number(settings["MaxReceivedHeaders"], options.MaxReceived),
            EtrnPerMinute = Number(settings["EtrnPerMinute"], options.EtrnPerMinute),
            CommandTimeout = TimeSpan.FromSeconds(Number(settings["CommandTimeoutSeconds"], (int)options.CommandTimeout.TotalSeconds)),
            DataBlockTimeout = TimeSpan.FromSeconds(Number(settings["DataTimeoutSeconds"], (int)options.DataBlockTimeout.TotalSeconds)),
            SubmissionSenderMustMatchLogin = !string.Equals(settings["Submission:SenderMustMatchLogin"], "false", StringComparison.OrdinalIgnoreCase),
            ClearTextLogin = Text(settings["ClearTextLogin"])?.ToLowerInvariant() is "always" or "never" ? settings["ClearTextLogin"]!.ToLowerInvariant() : "clients",
        };
    }

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static int Number(string? value, int fallback) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : fallback;
}
