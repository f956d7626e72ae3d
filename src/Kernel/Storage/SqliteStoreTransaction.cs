using Microsoft.Data.Sqlite;

namespace Kernel.Storage;

/// <summary>The SQLite provider's <see cref="IStoreTransaction"/>: one connection and its open transaction on the shared database.</summary>
internal sealed class SqliteStoreTransaction(SqliteConnection connection, SqliteTransaction transaction) : IStoreTransaction
{
    public const string ProviderName = "sqlite";

    public string Provider => ProviderName;

    public SqliteConnection Connection { get; } = connection;

    public SqliteTransaction Transaction { get; } = transaction;

    public void Deconstruct(out SqliteConnection connection, out SqliteTransaction transaction) => (connection, transaction) = (Connection, Transaction);

    /// <summary>The SQLite connection and transaction inside <paramref name="transaction"/>; another provider's is a wiring error.</summary>
    public static SqliteStoreTransaction Of(IStoreTransaction transaction) =>
        transaction as SqliteStoreTransaction
        ?? throw new InvalidOperationException($"a SQLite store was given a {transaction.Provider} transaction: every store taking part in an account's creation must use the account store's provider");
}
