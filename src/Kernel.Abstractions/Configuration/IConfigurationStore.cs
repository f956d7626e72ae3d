namespace Kernel.Abstractions;

/// <summary>
/// Configuration documents a plugin owns (the router table, rule sets), kept in the store, not in files, so the CLI
/// can change them from another process while a server runs. Every change bumps a store-wide sequence; the server
/// notices within a second and publishes <see cref="ConfigurationChanged"/>, and the plugin swaps its compiled state.
/// </summary>
public interface IConfigurationStore
{
    /// <summary>The document's text, or null when it was never set.</summary>
    Task<string?> GetAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Replaces the document atomically; returns the new change sequence.</summary>
    Task<long> SetAsync(string name, string text, CancellationToken cancellationToken = default);

    /// <summary>The current change sequence (grows with every document or setting change).</summary>
    Task<long> GetChangeSequenceAsync(CancellationToken cancellationToken = default);
}
