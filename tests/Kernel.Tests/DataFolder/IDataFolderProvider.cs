namespace Kernel.Tests.DataFolder;

/// <summary>
/// What the data-folder fault suite needs from a storage provider (issue 8 "Done when"): where its database lives and
/// how to damage it. SQLite is the first; a PostgreSQL provider implements the same faults (database dropped, emptied,
/// overwritten, pages damaged) against its own server and runs <see cref="DataFolderFaultContract{TProvider}"/> unchanged.
/// </summary>
public interface IDataFolderProvider
{
    /// <summary>Shown in test names and failure messages.</summary>
    string Name { get; }

    /// <summary>The file (or object) an error line must name when the database is the problem.</summary>
    string DatabaseName { get; }

    /// <summary>Extra arguments every kernel invocation on this provider needs (e.g. a connection string).</summary>
    IReadOnlyList<string> Arguments { get; }

    /// <summary>Applies a fault to a stopped server's store.</summary>
    void Damage(string dataDirectory, DatabaseFault fault);
}
