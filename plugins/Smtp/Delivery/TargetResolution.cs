namespace Smtp.Delivery;

/// <summary>
/// Where a message can go: the addresses in the order to try them, or why there is nowhere — permanent (null MX,
/// NXDOMAIN, a loop: the recipients bounce) or temporary (DNS trouble: they stay queued).
/// </summary>
internal sealed record TargetResolution(IReadOnlyList<DeliveryTarget> Targets, SmtpReply? Failure)
{
    public static TargetResolution To(IReadOnlyList<DeliveryTarget> targets) => new(targets, null);

    public static TargetResolution Permanent(string enhanced, string text) => new([], SmtpReply.Local(550, enhanced, text));

    public static TargetResolution Temporary(string enhanced, string text) => new([], SmtpReply.Local(451, enhanced, text));
}
