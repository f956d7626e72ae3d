namespace Kernel.Plugins;

/// <summary>
/// "Plugin X brought the process down": a file <c>&lt;data&gt;/plugins/.crashed/&lt;Name&gt;</c> written (and fsynced)
/// from the unhandled-exception handler before the runtime ends the process. The next start sets that plugin aside
/// (failed, not loaded) until <c>kernel plugins enable NAME</c> or a new <c>kernel plugins install</c> removes the file,
/// so a plugin that crashes the server cannot crash every restart too (issue 8 §3).
/// </summary>
public static class PluginCrashRecord
{
    public const string FolderName = ".crashed";

    public static string PathOf(string dataDirectory, string name) => Path.Combine(dataDirectory, "plugins", FolderName, name);

    public static void Write(string dataDirectory, string name, string reason)
    {
        var path = PathOf(dataDirectory, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var text = $"brought the process down at {DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}: {reason}";
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        file.Write(System.Text.Encoding.UTF8.GetBytes(text));
        file.Flush(flushToDisk: true);
    }

    /// <summary>The recorded reason, or null when the plugin never brought the process down (or was enabled again).</summary>
    public static string? Read(string dataDirectory, string name)
    {
        try
        {
            var path = PathOf(dataDirectory, name);
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "brought the process down (the record cannot be read: " + e.Message + ")";
        }
    }

    /// <summary>Removes the record; true when there was one.</summary>
    public static bool Clear(string dataDirectory, string name)
    {
        var path = PathOf(dataDirectory, name);
        if (!File.Exists(path)) return false;
        File.Delete(path);
        return true;
    }
}
