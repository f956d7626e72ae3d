namespace Kernel.Abstractions;

/// <summary>
/// What happened to one recipient at the remote host. <see cref="Reply"/> is the remote reply text for the DSN's
/// Diagnostic-Code; <see cref="RemoteHost"/> the Remote-MTA.
/// </summary>
public sealed record RecipientOutcome(string Recipient, DeliveryOutcome Outcome, string Status, string Reply, string? RemoteHost = null);
