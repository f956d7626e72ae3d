using Kernel.Storage;

namespace Kernel.Hosting;

/// <summary>
/// Where a server's state lives. Data: <c>--data DIR</c>, else <c>KERNEL_DATA</c>, else <c>Kernel:Data</c>, else <c>./data</c>.
/// Plugins: <c>Kernel:PluginsDirectory</c>, else <c>plugins/</c> beside the executable.
/// <see cref="Access"/> and <see cref="QuickCheck"/> say how the data folder is opened (<see cref="DataFolder"/>).
/// </summary>
public sealed record KernelPaths(string DataDirectory, string PluginsDirectory)
{
    public static string DefaultPluginsDirectory => Path.Combine(AppContext.BaseDirectory, "plugins");

    /// <summary>Whether this process may create the store in a new or empty data folder (serve, domain add) or needs one.</summary>
    public DataFolderAccess Access { get; init; } = DataFolderAccess.CreateIfNew;

    /// <summary>Run SQLite's quick_check on the database before use (serve).</summary>
    public bool QuickCheck { get; init; }
}
