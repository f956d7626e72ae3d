namespace Kernel.Hosting;

/// <summary>
/// Where a server's state lives. Data: <c>--data DIR</c>, else <c>KERNEL_DATA</c>, else <c>Kernel:Data</c>, else <c>./data</c>.
/// Plugins: <c>Kernel:PluginsDirectory</c>, else <c>plugins/</c> beside the executable.
/// </summary>
public sealed record KernelPaths(string DataDirectory, string PluginsDirectory)
{
    public static string DefaultPluginsDirectory => Path.Combine(AppContext.BaseDirectory, "plugins");
}
