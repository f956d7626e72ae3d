using Dapper;
using Kernel.Abstractions;
using Kernel.Accounts;
using Kernel.Storage;
using Microsoft.Data.Sqlite;

namespace Kernel.Signals;

/// <summary>
/// <see cref="ILocationStore"/> in the SQLite database (table <c>location_bindings</c>, migration 005): bindings survive
/// a restart. A REGISTER is applied in one write transaction (RFC 3261 §10.3 step 8), reads hide expired rows, and
/// <see cref="PurgeExpiredAsync"/> deletes them. Removing an account removes the bindings of <c>sip:name@domain</c>.
/// AORs compare case-insensitively (account names are); contacts compare as given (the caller canonicalises them).
/// </summary>
public sealed class SqliteLocationStore(SqliteDatabase database, TimeProvider time) : ILocationStore, IAccountLifecycle
{
    private const string Columns = "aor, contact, expires, q, call_id AS CallId, cseq, received_from AS ReceivedFrom, path, instance";

    public async Task<IReadOnlyList<LocationBinding>> GetAsync(string addressOfRecord, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(addressOfRecord);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadAsync(connection, null, addressOfRecord, cancellationToken);
    }

    public async Task<IReadOnlyList<LocationBinding>> ApplyAsync(string addressOfRecord, IReadOnlyList<LocationBinding> upsert, IReadOnlyList<string> remove, bool removeAll, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(addressOfRecord);
        ArgumentNullException.ThrowIfNull(upsert);
        ArgumentNullException.ThrowIfNull(remove);
        foreach (var binding in upsert)
        {
            if (!string.Equals(binding.AddressOfRecord, addressOfRecord, StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"binding {binding.Contact} belongs to {binding.AddressOfRecord}, not {addressOfRecord}", nameof(upsert));
            ArgumentException.ThrowIfNullOrWhiteSpace(binding.Contact, nameof(upsert));
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync(cancellationToken);
        // BEGIN IMMEDIATE: the write lock is taken first, so two REGISTERs for one AOR apply one after the other.
        await using var tx = connection.BeginTransaction(deferred: false);
        if (removeAll)
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM location_bindings WHERE aor = @aor", new { aor = addressOfRecord }, tx, cancellationToken: cancellationToken));
        foreach (var contact in remove)
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM location_bindings WHERE aor = @aor AND contact = @contact", new { aor = addressOfRecord, contact }, tx, cancellationToken: cancellationToken));
        foreach (var binding in upsert)
        {
            var expires = binding.Expires.ToUnixTimeMilliseconds();
            if (expires <= now)
            {
                // A binding that is already over is a removal (expires=0, §10.3 step 8).
                await connection.ExecuteAsync(new CommandDefinition("DELETE FROM location_bindings WHERE aor = @aor AND contact = @contact", new { aor = addressOfRecord, contact = binding.Contact }, tx, cancellationToken: cancellationToken));
                continue;
            }
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO location_bindings (aor, contact, expires, q, call_id, cseq, received_from, path, instance)
                VALUES (@aor, @contact, @expires, @q, @callId, @cseq, @receivedFrom, @path, @instance)
                ON CONFLICT (aor, contact) DO UPDATE SET
                    expires = excluded.expires, q = excluded.q, call_id = excluded.call_id, cseq = excluded.cseq,
                    received_from = excluded.received_from, path = excluded.path, instance = excluded.instance
                """,
                new
                {
                    aor = addressOfRecord,
                    contact = binding.Contact,
                    expires,
                    q = binding.Q,
                    callId = binding.CallId,
                    cseq = (long)binding.CSeq,
                    receivedFrom = binding.ReceivedFrom,
                    path = binding.Path,
                    instance = binding.Instance,
                },
                tx, cancellationToken: cancellationToken));
        }
        var result = await ReadAsync(connection, tx, addressOfRecord, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return result;
    }

    public async Task<IReadOnlyList<LocationBinding>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM location_bindings WHERE expires > @now ORDER BY aor, q DESC, contact",
            new { now = time.GetUtcNow().ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToBinding()).ToList();
    }

    public async Task<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM location_bindings WHERE expires <= @now", new { now = now.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken));
    }

    // A new account has no bindings.
    Task IAccountLifecycle.OnCreatingAsync(IStoreTransaction transaction, AccountAddress account, AccountTemplateLists template, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    Task IAccountLifecycle.OnRemovingAsync(IStoreTransaction transaction, AccountAddress account, CancellationToken cancellationToken)
    {
        var (connection, tx) = SqliteStoreTransaction.Of(transaction);
        return connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM location_bindings WHERE aor IN (@sip, @sips)",
            new { sip = $"sip:{account.Name}@{account.Domain}", sips = $"sips:{account.Name}@{account.Domain}" },
            tx, cancellationToken: cancellationToken));
    }

    // Nothing outside the database.
    Task IAccountLifecycle.OnRemovedAsync(AccountAddress account, CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<IReadOnlyList<LocationBinding>> ReadAsync(SqliteConnection connection, SqliteTransaction? tx, string aor, CancellationToken cancellationToken)
    {
        // RFC 3261 §10.3 step 8 lists the current bindings; highest q first reads naturally for forking (§16.6).
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM location_bindings WHERE aor = @aor AND expires > @now ORDER BY q DESC, contact",
            new { aor, now = time.GetUtcNow().ToUnixTimeMilliseconds() }, tx, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToBinding()).ToList();
    }

    private sealed class Row
    {
        public string Aor { get; set; } = "";
        public string Contact { get; set; } = "";
        public long Expires { get; set; }
        public double Q { get; set; }
        public string CallId { get; set; } = "";
        public long CSeq { get; set; }
        public string? ReceivedFrom { get; set; }
        public string? Path { get; set; }
        public string? Instance { get; set; }

        public LocationBinding ToBinding() =>
            new(Aor, Contact, DateTimeOffset.FromUnixTimeMilliseconds(Expires), Q, CallId, (uint)CSeq, ReceivedFrom, Path, Instance);
    }
}
