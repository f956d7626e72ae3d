namespace Kernel.Abstractions;

/// <summary>
/// The answer of <see cref="ILoginThrottle.BeforeAttemptAsync"/>. When not <see cref="Allowed"/>, answer the client
/// with the protocol's temporary failure (SMTP <c>454 4.7.0</c>, IMAP <c>NO [UNAVAILABLE]</c>) without checking the
/// password; <see cref="RetryAfter"/> says when the lockout ends.
/// </summary>
public sealed record LoginPermit
{
    public static LoginPermit Allow { get; } = new() { Allowed = true };

    public bool Allowed { get; init; }

    public TimeSpan RetryAfter { get; init; }

    public static LoginPermit LockedOut(TimeSpan retryAfter) => new() { Allowed = false, RetryAfter = retryAfter };
}
