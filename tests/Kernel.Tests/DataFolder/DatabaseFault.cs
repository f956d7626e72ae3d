namespace Kernel.Tests.DataFolder;

/// <summary>The ways a store's database can be lost or damaged under a data folder that still holds mail.</summary>
public enum DatabaseFault
{
    /// <summary>Deleted (with its write-ahead log).</summary>
    Missing,

    /// <summary>Truncated to nothing: <c>: &gt; kernel.db</c>.</summary>
    Empty,

    /// <summary>Overwritten with random bytes.</summary>
    Garbage,

    /// <summary>A valid header, random bytes over the pages after the first two.</summary>
    GarbagePages,
}
