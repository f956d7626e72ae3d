namespace Kernel.Storage;

/// <summary>
/// The open transaction of a store write, handed to other stores that must take part in it (account creation and
/// removal, <see cref="Accounts.IAccountLifecycle"/>). Opaque on purpose: the hook does not name a database driver,
/// so a second provider (PostgreSQL) passes its own transaction type through the same interface and its stores
/// unwrap it, the way the SQLite stores unwrap <see cref="SqliteStoreTransaction"/>.
/// </summary>
public interface IStoreTransaction
{
    /// <summary>Which provider opened it ("sqlite"): a participant built for another one refuses it by name.</summary>
    string Provider { get; }
}
