namespace Kernel.Plugins;

/// <summary>
/// What <c>kernel plugins list|install|unload</c> do, usable while a server runs in another process. Errors are
/// <see cref="PluginAdministrationException"/> with one line for stderr.
/// <list type="bullet">
/// <item><see cref="Install"/> copies to <c>plugins/.staging-&lt;Name&gt;-…</c> and renames it into place, so the running
/// server's watcher only ever sees a complete folder.</item>
/// <item><see cref="Unload"/> moves the folder to <c>plugins/.unloaded/&lt;Name&gt;</c>: the running server sees it gone within a
/// few seconds, stops it, drains and unloads it, and it stays off across restarts until installed again.</item>
/// </list>
/// </summary>
public sealed class PluginAdministration(string pluginsDirectory, PluginStateTable? stateTable = null, string? dataDirectory = null)
{
    /// <summary>Prefix of the folder an install copies into before the rename; the watcher ignores it.</summary>
    public const string StagingPrefix = ".staging-";

    /// <summary>Where <see cref="Unload"/> parks a plugin folder.</summary>
    public const string UnloadedFolder = ".unloaded";

    public string PluginsDirectory { get; } = Path.GetFullPath(pluginsDirectory);

    /// <summary>
    /// The plugins with their states: what a server on this data folder last recorded, merged by name over what this
    /// process's <paramref name="localHost"/> loaded (for plugins the server has not reported).
    /// </summary>
    public async Task<IReadOnlyList<PluginStatus>> ListAsync(PluginHost? localHost = null, CancellationToken cancellationToken = default)
    {
        var byName = new SortedDictionary<string, PluginStatus>(StringComparer.OrdinalIgnoreCase);
        foreach (var status in localHost?.Plugins ?? []) byName[status.Name] = status;
        if (stateTable is not null)
        {
            foreach (var status in await stateTable.ReadAsync(cancellationToken)) byName[status.Name] = status;
        }
        return byName.Values.ToArray();
    }

    /// <summary>Installs a plugin folder (or the folder of a <c>&lt;Name&gt;.dll</c>) and returns its name.</summary>
    public string Install(string path)
    {
        var full = Path.GetFullPath(path.TrimEnd('/', Path.DirectorySeparatorChar));
        string name, source;
        if (Directory.Exists(full))
        {
            (name, source) = (Path.GetFileName(full), full);
        }
        else if (File.Exists(full) && full.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            (name, source) = (Path.GetFileNameWithoutExtension(full), Path.GetDirectoryName(full)!);
        }
        else
        {
            throw new PluginAdministrationException($"no plugin folder or .dll at {path}");
        }
        if (name.StartsWith('.') || name.Length == 0) throw new PluginAdministrationException($"'{name}' is not a plugin name");
        try
        {
            PluginAssemblyCheck.Check(name, source);
        }
        catch (PluginLoadException e)
        {
            throw new PluginAdministrationException($"plugin {name} refused: {e.Message}");
        }

        Directory.CreateDirectory(PluginsDirectory);
        var target = Path.Combine(PluginsDirectory, name);
        if (string.Equals(source, target, StringComparison.Ordinal)) throw new PluginAdministrationException($"plugin {name} is already installed at {target}");
        var staging = Path.Combine(PluginsDirectory, $"{StagingPrefix}{name}-{Guid.NewGuid():N}");
        try
        {
            CopyFolder(source, staging);
            if (Directory.Exists(target))
            {
                if (FolderExchange.TrySwap(staging, target))
                {
                    // The old version now sits under the staging name; the folder was never missing.
                    Directory.Delete(staging, recursive: true);
                }
                else
                {
                    var old = Path.Combine(PluginsDirectory, $"{StagingPrefix}{name}-replaced-{Guid.NewGuid():N}");
                    Directory.Move(target, old);
                    Directory.Move(staging, target);
                    Directory.Delete(old, recursive: true);
                }
            }
            else
            {
                Directory.Move(staging, target);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(staging);
            throw new PluginAdministrationException($"installing plugin {name} into {PluginsDirectory} failed: {e.Message}");
        }
        TryDelete(Path.Combine(PluginsDirectory, UnloadedFolder, name));
        // A new install is the operator's word that this plugin may run again, even if an earlier build crashed the server.
        if (dataDirectory is not null) PluginCrashRecord.Clear(dataDirectory, name);
        return name;
    }

    /// <summary>
    /// Lets a plugin that was set aside (it brought the process down) load again: the record is removed, and a running
    /// server loads it within a few seconds, a stopped one at its next start. False when it was not set aside.
    /// </summary>
    public bool Enable(string name)
    {
        if (dataDirectory is null || name.Length == 0 || name.StartsWith('.') || name.Contains('/') || name.Contains(Path.DirectorySeparatorChar))
            throw new PluginAdministrationException($"'{name}' is not a plugin name");
        try
        {
            return PluginCrashRecord.Clear(dataDirectory, name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PluginAdministrationException($"enabling plugin {name} failed: {e.Message}");
        }
    }

    /// <summary>Takes a plugin out of the plugins folder (a running server unloads it within a few seconds).</summary>
    public void Unload(string name)
    {
        var target = Path.Combine(PluginsDirectory, name);
        if (name.StartsWith('.') || name.Contains('/') || name.Contains(Path.DirectorySeparatorChar) || !Directory.Exists(target))
            throw new PluginAdministrationException($"no plugin {name} in {PluginsDirectory}");
        var parked = Path.Combine(PluginsDirectory, UnloadedFolder, name);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(parked)!);
            if (Directory.Exists(parked)) Directory.Delete(parked, recursive: true);
            Directory.Move(target, parked);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PluginAdministrationException($"unloading plugin {name} failed: {e.Message}");
        }
    }

    private static void CopyFolder(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.EnumerateFiles(source))
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        foreach (var folder in Directory.EnumerateDirectories(source))
            CopyFolder(folder, Path.Combine(destination, Path.GetFileName(folder)));
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover staging folder is ignored by the watcher.
        }
    }
}
