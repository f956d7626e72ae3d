using System.Runtime.InteropServices;

namespace Kernel.Plugins;

/// <summary>
/// Swaps two folders in one step where the OS can (Linux <c>renameat2(RENAME_EXCHANGE)</c>): a running server's
/// watcher then never sees an installed plugin's folder missing between "old out" and "new in" — a moment in which it
/// would unload the plugin and refuse connections, defeating the upgrade hand-over of the listeners.
/// </summary>
internal static class FolderExchange
{
    private const int CurrentDirectory = -100; // AT_FDCWD
    private const uint Exchange = 2;           // RENAME_EXCHANGE

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> traded places atomically; false when the OS cannot (the caller falls back to two moves).</summary>
    public static bool TrySwap(string a, string b)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return RenameAt2(CurrentDirectory, a, CurrentDirectory, b, Exchange) == 0;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    private static extern int RenameAt2(int oldDirectory, string oldPath, int newDirectory, string newPath, uint flags);
}
