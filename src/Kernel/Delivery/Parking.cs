using Kernel.Abstractions;
using Kernel.Queue;
using Microsoft.Extensions.Logging;

namespace Kernel.Delivery;

/// <summary>
/// A parked recipient: still New (nothing is lost), with no next attempt and a last error that says why and how to
/// resume, so <c>kernel queue list</c>/<c>show</c> show it. Its message is not claimed again until
/// <c>kernel queue retry ID</c> (which clears the mark) or expiry by an operator's delete.
/// </summary>
internal static class Parking
{
    public const string Prefix = "parked after ";

    /// <summary>The "retry at" of a message with only parked recipients left: never, until a retry clears it.</summary>
    public const long Never = long.MaxValue;

    public static string Reason(long attempts, string reason, string messageId) =>
        $"{Prefix}{attempts} failures: {reason}; 'kernel queue retry {messageId}' resumes it";

    public static bool IsParked(RecipientRow r) =>
        r.State == (long)RecipientState.New && r.LastError is { } e && e.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The message stays unrouted: its retry time is the earliest of its other recipients', or never.</summary>
    public static void KeepParked(Dictionary<string, long?> retryAt, string messageId)
    {
        var current = retryAt.GetValueOrDefault(messageId);
        retryAt[messageId] = current ?? Never;
    }

    /// <summary>
    /// The one parking rule for every plugin call (router, rules, transport): a recipient is parked once this is its
    /// <see cref="QueueOptions.ParkAfterFailures"/>-th plugin failure in a row, or once the run that began at
    /// <paramref name="failingSince"/> has gone on for <see cref="QueueOptions.ParkAfter"/>.
    /// </summary>
    public static bool ShouldPark(long failuresInARow, long failingSince, long now, QueueOptions options, out TimeSpan failingFor)
    {
        failingFor = TimeSpan.FromMilliseconds(now - failingSince);
        return failuresInARow >= options.ParkAfterFailures || failingFor >= options.ParkAfter;
    }

    /// <summary>
    /// A plugin (router, rules) failed for this recipient: retried after <see cref="QueueOptions.RoutingRetry"/>, parked
    /// once it failed <see cref="QueueOptions.ParkAfterFailures"/> times in a row, or once its failures have gone on for
    /// <see cref="QueueOptions.ParkAfter"/> whatever their count (the run's start is kept in <c>failing_since</c>).
    /// </summary>
    public static void PostponeAfterPluginFailure(RoutingBatch batch, RecipientRow r, string reason, QueueOptions options, ILogger logger)
    {
        var attempts = r.Attempts + 1;
        var since = r.FailingSince ?? batch.Now;
        if (!ShouldPark(attempts, since, batch.Now, options, out var failingFor))
        {
            batch.Postpone(r, reason, batch.Now + (long)options.RoutingRetry.TotalMilliseconds, attempts, since);
            return;
        }
        logger.LogError("message {QueueId}: recipient {Recipient} parked after {Attempts} plugin failures in a row over {FailingFor}: {Reason}",
            r.MessageId, r.Address, attempts, failingFor, reason);
        batch.Updates.Add(new RecipientUpdate(r.MessageId, r.Idx, RecipientState.New, Attempts: attempts, NextAttempt: null, LastError: Reason(attempts, reason, r.MessageId)));
        KeepParked(batch.RetryAt, r.MessageId);
    }
}
