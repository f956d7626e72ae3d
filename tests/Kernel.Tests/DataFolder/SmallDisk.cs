using System.Diagnostics;

namespace Kernel.Tests.DataFolder;

/// <summary>
/// A small tmpfs (<c>mount -t tmpfs -o size=Nm</c>) to fill up: a full disk without filling the machine's. Needs
/// root (or CAP_SYS_ADMIN); <see cref="TryMount"/> returns null with the reason when mounting is not allowed here.
/// </summary>
public sealed class SmallDisk : IDisposable
{
    private readonly string _filler;

    private SmallDisk(string path)
    {
        Path = path;
        _filler = System.IO.Path.Combine(path, "filler");
    }

    public string Path { get; }

    public static SmallDisk? TryMount(int megabytes, out string reason)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kernel-disk-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m,mode=0755", "tmpfs", path);
        if (code != 0)
        {
            Directory.Delete(path);
            reason = $"cannot mount a {megabytes} MB tmpfs to simulate a full disk (needs root or CAP_SYS_ADMIN): {output.Trim()}";
            return null;
        }
        reason = "";
        return new SmallDisk(path);
    }

    /// <summary>Writes a file until the disk says it is full (ENOSPC).</summary>
    public void Fill()
    {
        var chunk = new byte[64 * 1024];
        using var file = new FileStream(_filler, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        try
        {
            for (var i = 0; i < 100_000; i++) file.Write(chunk);
        }
        catch (IOException)
        {
        }
        // The last bytes too: a smaller write may still fit.
        try
        {
            for (var i = 0; i < 100_000; i++) file.Write(chunk, 0, 512);
        }
        catch (IOException)
        {
        }
    }

    public void Free() => File.Delete(_filler);

    public void Dispose()
    {
        Run("umount", "-l", Path);
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static (int Code, string Output) Run(string program, params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in args) info.ArgumentList.Add(arg);
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            if (!process.WaitForExit(30_000)) process.Kill();
            return (process.ExitCode, output);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return (-1, e.Message);
        }
    }
}
