namespace Kernel.Testing;

/// <summary>Where the built server lives: the folder holding Kernel.sln, found by walking up from the test binaries.</summary>
public static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    /// <summary>artifacts/kernel: kernel.dll and plugins/&lt;Name&gt;/.</summary>
    public static string KernelDirectory => Path.Combine(Root, "artifacts", "kernel");

    public static string KernelDll => Path.Combine(KernelDirectory, "kernel.dll");

    public static string BuiltPluginsDirectory => Path.Combine(KernelDirectory, "plugins");

    public static string TestPluginsDirectory => Path.Combine(Root, "artifacts", "test-plugins");

    public static string SamplesDirectory => Path.Combine(Root, "artifacts", "samples");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kernel.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"Kernel.sln not found above {AppContext.BaseDirectory}");
    }
}
