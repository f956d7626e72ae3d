using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;

namespace Smtp.Delivery;

/// <summary>
/// <c>Smtp:Delivery:*</c> (plugins/Smtp/README.md "Delivering"). The command timeouts are RFC 5321 §4.5.3.2's minimums;
/// tests shorten them.
/// </summary>
internal sealed record DeliverySettings
{
    /// <summary>The remote port when the route names none (smtp.md §11.2: 25; tests point MX mail at a sink on a high port).</summary>
    public int Port { get; init; } = 25;

    /// <summary>The name we give in EHLO/HELO.</summary>
    public string HeloName { get; init; } = Dns.GetHostName().ToLowerInvariant();

    /// <summary>Open connections per remote address and port, idle or busy.</summary>
    public int MaxConnectionsPerTarget { get; init; } = 4;

    /// <summary>How long an idle session waits for the next message before QUIT.</summary>
    public TimeSpan IdleTime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Check the peer's certificate (chain and name) on STARTTLS; off by default (opportunistic TLS, smtp.md §11.4).</summary>
    public bool VerifyCertificates { get; init; }

    /// <summary>Use STARTTLS when the peer offers it.</summary>
    public bool StartTls { get; init; } = true;

    /// <summary>The local address outbound connections bind to (a sibling on another loopback IP sees it), or null.</summary>
    public IPAddress? SourceAddress { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>RFC 5321 §4.5.3.2.1: initial 220 message, 5 minutes.</summary>
    public TimeSpan GreetingTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>RFC 5321 §4.5.3.2.2–3: MAIL and RCPT, 5 minutes (also EHLO, RSET, STARTTLS, QUIT).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>RFC 5321 §4.5.3.2.4: DATA initiation, 2 minutes.</summary>
    public TimeSpan DataInitiationTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>RFC 5321 §4.5.3.2.5: each data block, 3 minutes.</summary>
    public TimeSpan DataBlockTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>RFC 5321 §4.5.3.2.6: the reply to the final dot, 10 minutes.</summary>
    public TimeSpan DataTerminationTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>RFC 2645 §5.3 / smtp.md §9.2: the customer's 220 after ATRN, 5 minutes.</summary>
    public TimeSpan TurnaroundGreetingTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The lease an ATRN drain holds on each queue, renewed while it runs.</summary>
    public TimeSpan TurnaroundLease { get; init; } = TimeSpan.FromMinutes(5);

    public static DeliverySettings From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Smtp:Delivery");
        var defaults = new DeliverySettings();
        return new DeliverySettings
        {
            Port = Int(section, "Port", defaults.Port, 1, 65535),
            HeloName = section["HeloName"] is { Length: > 0 } helo ? helo
                : SmtpServerName.From(configuration),
            MaxConnectionsPerTarget = Int(section, "MaxConnectionsPerTarget", defaults.MaxConnectionsPerTarget, 1, 1000),
            IdleTime = Seconds(section, "IdleSeconds", defaults.IdleTime),
            VerifyCertificates = Bool(section, "VerifyCertificates", defaults.VerifyCertificates),
            StartTls = Bool(section, "StartTls", defaults.StartTls),
            SourceAddress = section["SourceAddress"] is { Length: > 0 } source
                ? IPAddress.TryParse(source, out var address) ? address : throw new FormatException($"Smtp:Delivery:SourceAddress: '{source}' is not an IP address")
                : null,
            ConnectTimeout = Seconds(section, "ConnectTimeoutSeconds", defaults.ConnectTimeout),
            GreetingTimeout = Seconds(section, "GreetingTimeoutSeconds", defaults.GreetingTimeout),
            CommandTimeout = Seconds(section, "CommandTimeoutSeconds", defaults.CommandTimeout),
            DataInitiationTimeout = Seconds(section, "DataInitiationTimeoutSeconds", defaults.DataInitiationTimeout),
            DataBlockTimeout = Seconds(section, "DataBlockTimeoutSeconds", defaults.DataBlockTimeout),
            DataTerminationTimeout = Seconds(section, "DataTerminationTimeoutSeconds", defaults.DataTerminationTimeout),
            TurnaroundGreetingTimeout = Seconds(section, "TurnaroundGreetingTimeoutSeconds", defaults.TurnaroundGreetingTimeout),
            TurnaroundLease = Seconds(section, "TurnaroundLeaseSeconds", defaults.TurnaroundLease),
        };
    }

    private static int Int(IConfiguration section, string key, int fallback, int min, int max)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new FormatException($"Smtp:Delivery:{key} must be a number from {min} to {max}, not '{text}'");
        return value;
    }

    private static TimeSpan Seconds(IConfiguration section, string key, TimeSpan fallback) =>
        string.IsNullOrWhiteSpace(section[key]) ? fallback : TimeSpan.FromSeconds(Int(section, key, 0, 1, 86400));

    private static bool Bool(IConfiguration section, string key, bool fallback)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        return bool.TryParse(text, out var value) ? value : throw new FormatException($"Smtp:Delivery:{key} must be true or false, not '{text}'");
    }
}
