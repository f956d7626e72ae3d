using Dapper;
using Kernel.Abstractions;
using Kernel.Accounts;
using Kernel.Storage;
using Microsoft.Data.Sqlite;

namespace Kernel.Tests.Accounts;

/// <summary>A fake per-account store: records each hook call and what it could see at that moment.</summary>
public sealed class RecordingLifecycle(Func<AccountAddress, bool> existsAfterCommit) : IAccountLifecycle
{
    public List<(AccountAddress Account, AccountTemplateLists Template, bool RowVisible)> Creating { get; } = [];

    public List<(AccountAddress Account, bool RowVisible)> Removing { get; } = [];

    public List<(AccountAddress Account, bool RowVisible)> Removed { get; } = [];

    public bool ThrowOnCreating { get; set; }

    public Task OnCreatingAsync(IStoreTransaction transaction, AccountAddress account, AccountTemplateLists template, CancellationToken cancellationToken)
    {
        Creating.Add((account, template, ExistsIn(transaction, account)));
        if (ThrowOnCreating) throw new InvalidOperationException("mailbox store refused");
        return Task.CompletedTask;
    }

    public Task OnRemovingAsync(IStoreTransaction transaction, AccountAddress account, CancellationToken cancellationToken)
    {
        Removing.Add((account, ExistsIn(transaction, account)));
        return Task.CompletedTask;
    }

    /// <summary>What the hook sees inside the writer's transaction (SQLite is the only provider yet).</summary>
    private static bool ExistsIn(IStoreTransaction transaction, AccountAddress account)
    {
        var (connection, sqlite) = SqliteStoreTransaction.Of(transaction);
        return Exists(connection, sqlite, account);
    }

    public Task OnRemovedAsync(AccountAddress account, CancellationToken cancellationToken)
    {
        Removed.Add((account, existsAfterCommit(account)));
        return Task.CompletedTask;
    }

    /// <summary>The SQLite answer for <c>existsAfterCommit</c>.</summary>
    public static bool Exists(SqliteDatabase database, AccountAddress account)
    {
        using var connection = database.Open();
        return Exists(connection, null, account);
    }

    private static bool Exists(SqliteConnection connection, SqliteTransaction? transaction, AccountAddress account) =>
        connection.ExecuteScalar<long>("SELECT COUNT(*) FROM accounts WHERE domain = @Domain AND name = @Name", new { account.Domain, account.Name }, transaction) == 1;
}
