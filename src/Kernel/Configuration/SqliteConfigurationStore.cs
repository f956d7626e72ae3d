using Dapper;
using Kernel.Abstractions;
using Kernel.Storage;
using Microsoft.Data.Sqlite;

namespace Kernel.Configuration;

/// <summary>
/// Configuration documents (the router table, rule sets) in the SQLite store. Each replace is one transaction that
/// also bumps the store-wide change sequence, so a server sees a change the CLI made from another process.
/// </summary>
public sealed class SqliteConfigurationStore(SqliteDatabase database) : IConfigurationStore
{
    /// <summary>Document names: short, printable, no surrounding spaces.</summary>
    public const int MaxNameLength = 128;

    /// <summary>A document is configuration text, not data: 16 MB is far beyond any router table.</summary>
    public const int MaxTextLength = 16 * 1024 * 1024;

    private const string GetSql = "SELECT text FROM config_documents WHERE name = @name";

    private const string UpsertSql = """
        INSERT INTO config_documents (name, text, sequence, updated) VALUES (@name, @text, @sequence, @updated)
        ON CONFLICT (name) DO UPDATE SET text = excluded.text, sequence = excluded.sequence, updated = excluded.updated
        """;

    public async Task<string?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(GetSql, new { name }, cancellationToken: cancellationToken));
    }

    public async Task<long> SetAsync(string name, string text, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxTextLength)
            throw new ArgumentException($"configuration document {name} is longer than {MaxTextLength} characters", nameof(text));
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var sequence = await ChangeSequence.BumpAsync(connection, transaction, name, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(UpsertSql, new { name, text, sequence, updated = DateTimeOffset.UtcNow.ToString("O") }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return sequence;
    }

    public async Task<long> GetChangeSequenceAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ChangeSequence.CurrentAsync(connection, null, cancellationToken);
    }

    /// <summary>The changes after <paramref name="after"/> (for the watcher); incomplete when older records were trimmed.</summary>
    internal async Task<(long Current, IReadOnlyList<string?> Names, bool Complete)> GetChangesSinceAsync(long after, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // One read transaction: the sequence and the change records come from the same snapshot.
        await using var transaction = connection.BeginTransaction(deferred: true);
        var current = await ChangeSequence.CurrentAsync(connection, transaction, cancellationToken);
        if (current <= after) return (current, [], true);
        var (changes, complete) = await ChangeSequence.SinceAsync(connection, transaction, after, cancellationToken);
        return (current, changes.Select(c => c.Name).ToList(), complete);
    }

    private static void ValidateName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength || name.Trim().Length != name.Length || name.Any(char.IsControl))
            throw new ArgumentException($"bad configuration document name '{Truncate(name)}': 1-{MaxNameLength} printable characters", nameof(name));
    }

    private static string Truncate(string? text) => text is null ? "" : text.Length <= 40 ? text : text[..40] + "…";
}
