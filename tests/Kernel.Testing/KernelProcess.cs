using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Kernel.Testing;

/// <summary>
/// A real Kernel server process on a temp data folder with ephemeral 127.0.0.1 ports. It reads the server's log
/// lines: <c>listening plugin[/role] address:port</c> gives each listener's real port, <c>kernel started</c> says
/// the server is ready. Dispose stops it (SIGTERM, then SIGKILL after a deadline) and removes what it created.
/// </summary>
public sealed partial class KernelProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentDictionary<string, IPEndPoint> _listeners = new(StringComparer.OrdinalIgnoreCase);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _ownsData;
    private readonly SemaphoreSlim _lineSignal = new(0);

    private KernelProcess(Process process, string dataDirectory, string pluginsDirectory, bool ownsData)
    {
        _process = process;
        DataDirectory = dataDirectory;
        PluginsDirectory = pluginsDirectory;
        _ownsData = ownsData;
    }

    public string DataDirectory { get; }

    public string PluginsDirectory { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Every line the server printed so far (stdout and stderr).</summary>
    public IReadOnlyList<string> Log => _lines.ToArray();

    public static async Task<KernelProcess> StartAsync(KernelProcessOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new KernelProcessOptions();
        var ownsData = options.DataDirectory is null;
        var data = options.DataDirectory ?? TempFolder("kernel-data-");
        var plugins = TempFolder("kernel-plugins-");
        foreach (var plugin in options.Plugins) CopyPlugin(plugin, plugins);

        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = data,
        };
        info.ArgumentList.Add(RepositoryLayout.KernelDll);
        info.ArgumentList.Add("serve");
        info.ArgumentList.Add("--data");
        info.ArgumentList.Add(data);
        info.ArgumentList.Add($"--Kernel:PluginsDirectory={plugins}");
        foreach (var (key, value) in options.Settings) info.ArgumentList.Add($"--{key}={value}");
        foreach (var arg in options.Arguments) info.ArgumentList.Add(arg);
        info.Environment.Remove("KERNEL_DATA");
        foreach (var (key, value) in options.Environment) info.Environment[key] = value;

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var kernel = new KernelProcess(process, data, plugins, ownsData);
        process.OutputDataReceived += (_, e) => kernel.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => kernel.OnLine(e.Data);
        process.Exited += (_, _) => { kernel._exited.TrySetResult(); kernel._started.TrySetException(new InvalidOperationException("kernel exited during start-up:\n" + string.Join("\n", kernel.Log))); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.StartTimeout);
        try
        {
            await kernel._started.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            await kernel.DisposeAsync();
            throw new TimeoutException($"kernel did not start within {options.StartTimeout}:\n" + string.Join("\n", kernel.Log));
        }
        return kernel;
    }

    /// <summary>The endpoint a listener bound, e.g. <c>Listener("finger")</c> or <c>Listener("smtp/odmr")</c>.</summary>
    public IPEndPoint Listener(string name) =>
        _listeners.TryGetValue(name, out var endPoint) ? endPoint : throw new InvalidOperationException($"no listener '{name}' in the log:\n" + string.Join("\n", Log));

    /// <summary>Waits (bounded) until a log line matches.</summary>
    public async Task<string> WaitForLogAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var line = _lines.FirstOrDefault(match);
            if (line is not null) return line;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException("no matching log line within " + timeout + ":\n" + string.Join("\n", Log));
            await _lineSignal.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Runs <c>kernel ARGS --data DATA</c> against this server's data folder.</summary>
    public Task<CliResult> CliAsync(params string[] args) => KernelCli.RunAsync(DataDirectory, null, args);

    public Task<CliResult> CliWithInputAsync(string input, params string[] args) => KernelCli.RunAsync(DataDirectory, input, args);

    /// <summary>SIGKILL: the crash a durability test needs.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _exited.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>SIGTERM and wait for a clean exit; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        if (!_process.HasExited) _ = SendSignal(_process.Id, 15);
        try
        {
            await _exited.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            await _exited.Task.WaitAsync(TimeSpan.FromSeconds(10));
            throw new TimeoutException("kernel did not stop after SIGTERM:\n" + string.Join("\n", Log));
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try { await StopAsync(TimeSpan.FromSeconds(15)); } catch (TimeoutException) { }
        }
        _process.Dispose();
        TryDelete(PluginsDirectory);
        if (_ownsData) TryDelete(DataDirectory);
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        _lines.Enqueue(line);
        var listening = ListeningLine().Match(line);
        if (listening.Success && IPEndPoint.TryParse(listening.Groups[2].Value, out var endPoint)) _listeners[listening.Groups[1].Value] = endPoint;
        if (line.Contains("kernel started", StringComparison.Ordinal)) _started.TrySetResult();
        _lineSignal.Release();
    }

    private static void CopyPlugin(string plugin, string pluginsDirectory)
    {
        var source = Directory.Exists(plugin)
            ? plugin
            : new[] { RepositoryLayout.BuiltPluginsDirectory, RepositoryLayout.TestPluginsDirectory, RepositoryLayout.SamplesDirectory }
                .Select(d => Path.Combine(d, plugin)).FirstOrDefault(Directory.Exists)
              ?? throw new DirectoryNotFoundException($"plugin {plugin} is not built (looked in artifacts/kernel/plugins, artifacts/test-plugins, artifacts/samples)");
        CopyFolder(source, Path.Combine(pluginsDirectory, Path.GetFileName(source.TrimEnd('/'))));
    }

    public static void CopyFolder(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to, overwrite: true);
        }
    }

    private static string TempFolder(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        return path;
    }

    private static void TryDelete(string path)
    {
        try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    // Plain (`... listening finger 127.0.0.1:40123`) and JSON console lines (`"Message":"listening finger 127.0.0.1:40123",`).
    [GeneratedRegex(@"listening ([^\s""]+) ([^\s""]+)")]
    private static partial Regex ListeningLine();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
