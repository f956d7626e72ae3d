using Kernel.Abstractions;
using Microsoft.Data.Sqlite;

namespace Kernel.Queue;

/// <summary>
/// Turns a failure to store a submission into the temporary result a protocol answers with (RFC 3463 §3.4): a full
/// disk is <c>4.3.1</c> ("mail system full"), anything else <c>4.3.0</c>. The detail (paths, errno) goes to the log,
/// not to the client.
/// </summary>
internal static class StorageFailure
{
    private const int Enospc = 28; // Linux errno; .NET on Unix reports it as the IOException's HResult
    private const int WindowsDiskFull = unchecked((int)0x80070070), WindowsHandleDiskFull = unchecked((int)0x80070027);
    private const int SqliteFull = 13; // SQLITE_FULL

    /// <summary>A failure of the disk or the database rather than of the caller.</summary>
    public static bool Is(Exception e) => e is IOException or UnauthorizedAccessException or SqliteException;

    public static bool IsDiskFull(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is IOException { HResult: Enospc or WindowsDiskFull or WindowsHandleDiskFull } or SqliteException { SqliteErrorCode: SqliteFull }) return true;
        }
        return false;
    }

    public static SubmitResult Result(Exception e) => IsDiskFull(e)
        ? SubmitResult.Temporary("4.3.1", "mail system full (no space to store the message); try again later")
        : SubmitResult.Temporary("4.3.0", "temporary storage failure; try again later");
}
