namespace Kernel.Tests.Plugins;

/// <summary>Where the test plugins and the Finger sample are built (tests/Plugins, samples/Finger), and copying them into a plugins folder.</summary>
internal static class TestPlugins
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string BuiltFolder(string name) =>
        name == "Finger" ? Path.Combine(RepoRoot, "artifacts", "samples", name) : Path.Combine(RepoRoot, "artifacts", "test-plugins", name);

    /// <summary>Copies a built plugin into <paramref name="pluginsDirectory"/>/<paramref name="name"/>; returns that folder.</summary>
    public static string CopyInto(string pluginsDirectory, string name)
    {
        var source = BuiltFolder(name);
        Assert.True(File.Exists(Path.Combine(source, name + ".dll")), $"test plugin {name} is not built at {source}");
        var target = Path.Combine(pluginsDirectory, name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source)) File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        return target;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kernel.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Kernel.sln not found above " + AppContext.BaseDirectory);
    }
}
