using System.Net;

namespace Kernel.Abstractions;

/// <summary>
/// Failed logins slow down and then lock out, per client address and per account, the same for every protocol
/// (<c>Kernel:LoginThrottle</c>). Call <see cref="BeforeAttemptAsync"/> before checking a password, then
/// <see cref="RecordFailure"/> or <see cref="RecordSuccess"/> with the outcome. Either argument may be <c>null</c>
/// when unknown (no account name yet, a local caller).
/// </summary>
public interface ILoginThrottle
{
    /// <summary>Waits the slow-down delay earned by recent failures, then says whether the attempt may proceed.</summary>
    ValueTask<LoginPermit> BeforeAttemptAsync(IPAddress? client, string? account, CancellationToken cancellationToken);

    void RecordFailure(IPAddress? client, string? account);

    /// <summary>Forgets the account's failures. The address keeps its count, so one valid login cannot reset a guessing client.</summary>
    void RecordSuccess(IPAddress? client, string? account);
}
