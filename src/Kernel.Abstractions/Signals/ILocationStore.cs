namespace Kernel.Abstractions;

/// <summary>
/// SIP registrar bindings (RFC 3261 §10), durable across restarts. An AOR is <c>sip:user@domain</c> in canonical
/// form. Expired bindings are never returned.
/// </summary>
public interface ILocationStore
{
    Task<IReadOnlyList<LocationBinding>> GetAsync(string addressOfRecord, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies one REGISTER atomically (§10.3 step 8): removes every binding when <paramref name="removeAll"/>, then
    /// removes the contacts listed in <paramref name="remove"/> and inserts or replaces <paramref name="upsert"/>
    /// (matched by contact URI). Returns the bindings as they are afterwards.
    /// </summary>
    Task<IReadOnlyList<LocationBinding>> ApplyAsync(string addressOfRecord, IReadOnlyList<LocationBinding> upsert, IReadOnlyList<string> remove, bool removeAll, CancellationToken cancellationToken = default);

    /// <summary>Every AOR with live bindings (for <c>kernel sip registrations</c>).</summary>
    Task<IReadOnlyList<LocationBinding>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Removes bindings that expired before <paramref name="now"/>; returns how many.</summary>
    Task<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default);
}
