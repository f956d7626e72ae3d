using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Kernel.Authentication;

/// <summary>
/// <c>Kernel:LoginThrottle:</c> — failures within <see cref="Window"/> count; past <see cref="FreeFailures"/> each
/// attempt waits <see cref="DelayStep"/>, doubling per further failure up to <see cref="MaxDelay"/>; at
/// <see cref="LockoutFailures"/> the address (or account) is refused for <see cref="Lockout"/>.
/// </summary>
public sealed record LoginThrottleOptions
{
    public int FreeFailures { get; init; } = 3;

    public TimeSpan DelayStep { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(15);

    public int LockoutFailures { get; init; } = 10;

    public TimeSpan Lockout { get; init; } = TimeSpan.FromMinutes(15);

    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Addresses and accounts remembered at most; the least recently failed are forgotten first.</summary>
    public int MaxEntries { get; init; } = 100_000;

    public static LoginThrottleOptions FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection("Kernel:LoginThrottle");
        var defaults = new LoginThrottleOptions();
        return new LoginThrottleOptions
        {
            FreeFailures = Number(section, "FreeFailures") ?? defaults.FreeFailures,
            DelayStep = Number(section, "DelayStepMilliseconds") is { } step ? TimeSpan.FromMilliseconds(step) : defaults.DelayStep,
            MaxDelay = Number(section, "MaxDelaySeconds") is { } max ? TimeSpan.FromSeconds(max) : defaults.MaxDelay,
            LockoutFailures = Number(section, "LockoutFailures") ?? defaults.LockoutFailures,
            Lockout = Number(section, "LockoutMinutes") is { } lockout ? TimeSpan.FromMinutes(lockout) : defaults.Lockout,
            Window = Number(section, "WindowMinutes") is { } window ? TimeSpan.FromMinutes(window) : defaults.Window,
            MaxEntries = Number(section, "MaxEntries") ?? defaults.MaxEntries,
        };
    }

    private static int? Number(IConfigurationSection section, string key)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw new InvalidOperationException($"Kernel:LoginThrottle:{key}: '{text}' is not a whole number");
        return value;
    }
}
