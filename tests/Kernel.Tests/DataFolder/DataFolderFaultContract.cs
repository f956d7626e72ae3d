using System.Diagnostics;
using Kernel.Testing;
using Kernel.Tests.Cli;
using Kernel.Tests.Storage;

namespace Kernel.Tests.DataFolder;

/// <summary>
/// Issue 8 §1 and §4 as a contract every storage provider runs: a data folder that holds mail but whose database is
/// missing, empty or damaged is refused — by <c>serve</c> and by the CLI, with one line naming the database and a
/// non-zero exit — and not one body file is touched; a read-only folder is refused the same way; a full disk is a
/// clean temporary error on submit with nothing half-written. Each test prepares its own folder with the CLI: a domain,
/// an account and three queued messages whose bodies are older than the orphan sweep's age.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public abstract class DataFolderFaultContract<TProvider> where TProvider : IDataFolderProvider, new()
{
    private const string Message = "From: bob@test.dom\nSubject: kept\n\nmail that must not be lost\n";

    protected TProvider Provider { get; } = new();

    [Theory]
    [InlineData(DatabaseFault.Missing)]
    [InlineData(DatabaseFault.Empty)]
    [InlineData(DatabaseFault.Garbage)]
    [InlineData(DatabaseFault.GarbagePages)]
    public async Task ServeRefusesADamagedStoreAndKeepsEveryBody(DatabaseFault fault)
    {
        using var data = new TempDataFolder();
        using var plugins = new TempDataFolder();
        await PrepareAsync(data.Path, plugins.Path);
        Provider.Damage(data.Path, fault);
        var bodies = Bodies(data.Path);

        var result = await RunAsync(data.Path, plugins.Path, null, "serve");

        CliAssert.FailsWithOneLine(result, Provider.DatabaseName, "restore");
        Assert.Equal(bodies, Bodies(data.Path));
        if (fault == DatabaseFault.Missing) Assert.False(File.Exists(Path.Combine(data.Path, Provider.DatabaseName)), "serve created a fresh database over existing mail");
    }

    [Theory]
    [InlineData(DatabaseFault.Missing)]
    [InlineData(DatabaseFault.Empty)]
    public async Task AStoreWhoseMailWasAllInsideTheDatabaseIsRefusedToo(DatabaseFault fault)
    {
        // Small bodies live inside the database (the default): no body file shows the folder was used, the store
        // marker does — serve and the first set-up step refuse instead of starting an empty store in its place.
        using var data = new TempDataFolder();
        using var plugins = new TempDataFolder();
        CliAssert.Ok(await RunAsync(data.Path, plugins.Path, null, inlineBodies: true, "domain", "add", "test.dom"));
        CliAssert.Ok(await RunAsync(data.Path, plugins.Path, null, inlineBodies: true, "account", "add", "alice@test.dom", "--password", "pw"));
        CliAssert.Ok(await RunAsync(data.Path, plugins.Path, Message, inlineBodies: true, "submit", "--from", "bob@test.dom", "alice@test.dom"));
        Assert.Empty(Bodies(data.Path));
        Provider.Damage(data.Path, fault);

        CliAssert.FailsWithOneLine(await RunAsync(data.Path, plugins.Path, null, inlineBodies: true, "serve"), Provider.DatabaseName, "restore");
        CliAssert.FailsWithOneLine(await RunAsync(data.Path, plugins.Path, null, inlineBodies: true, "domain", "add", "other.dom"), Provider.DatabaseName);
        if (fault == DatabaseFault.Missing) Assert.False(File.Exists(Path.Combine(data.Path, Provider.DatabaseName)), "a fresh database was created over a lost store");
    }

    [Theory]
    [InlineData(DatabaseFault.Missing)]
    [InlineData(DatabaseFault.Empty)]
    [InlineData(DatabaseFault.Garbage)]
    [InlineData(DatabaseFault.GarbagePages)]
    public async Task CliCommandsRefuseADamagedStoreWithOneLine(DatabaseFault fault)
    {
        using var data = new TempDataFolder();
        using var plugins = new TempDataFolder();
        await PrepareAsync(data.Path, plugins.Path);
        Provider.Damage(data.Path, fault);
        var bodies = Bodies(data.Path);

        CliAssert.FailsWithOneLine(await RunAsync(data.Path, plugins.Path, null, "account", "list", "test.dom"), Provider.DatabaseName);
        if (fault is DatabaseFault.Missing or DatabaseFault.Empty or DatabaseFault.Garbage)
        {
            // Never a fresh store over mail, whichever command is asked: not even the first set-up step.
            CliAssert.FailsWithOneLine(await RunAsync(data.Path, plugins.Path, null, "domain", "add", "other.dom"), Provider.DatabaseName);
            CliAssert.FailsWithOneLine(await RunAsync(data.Path, plugins.Path, Message, "submit", "--from", "bob@test.dom", "alice@test.dom"), Provider.DatabaseName);
        }
        Assert.Equal(bodies, Bodies(data.Path));
    }

    [Fact]
    public async Task AReadOnlyDataFolderIsOneLineForTheCliAndServe()
    {
        using var data = new TempDataFolder();
        using var plugins = new TempDataFolder();
        await PrepareAsync(data.Path, plugins.Path);
        var before = DataSnapshot.Take(data.Path);
        using var readOnly = ReadOnlyAccess.For(data.Path);

        foreach (var (input, args) in new (string?, string[])[]
                 {
                     (null, ["account", "add", "carol@test.dom", "--password", "x"]),
                     (Message, ["submit", "--from", "bob@test.dom", "alice@test.dom"]),
                     (null, ["serve"]),
                 })
        {
            var result = await readOnly.RunAsync(data.Path, input, [.. args, $"--Kernel:PluginsDirectory={plugins.Path}", .. Provider.Arguments]);
            CliAssert.FailsWithOneLine(result, "not writable");
        }
        readOnly.Dispose();
        Assert.Equal(before, DataSnapshot.Take(data.Path));
    }

    [SkippableFact]
    public async Task AFullDiskIsATemporaryErrorOnSubmitAndNothingIsHalfWritten()
    {
        using var disk = SmallDisk.TryMount(megabytes: 4, out var why);
        Skip.If(disk is null, why);
        using var plugins = new TempDataFolder();
        var data = Path.Combine(disk!.Path, "data");
        CliAssert.Ok(await RunAsync(data, plugins.Path, null, "domain", "add", "test.dom"));
        CliAssert.Ok(await RunAsync(data, plugins.Path, null, "account", "add", "alice@test.dom", "--password", "pw"));
        var queued = CliAssert.Ok(await RunAsync(data, plugins.Path, Message, "submit", "--from", "bob@test.dom", "alice@test.dom")).Output.Trim();
        var before = DataSnapshot.Take(data);

        disk.Fill();
        var full = await RunAsync(data, plugins.Path, Message + new string('x', 64 * 1024), "submit", "--from", "bob@test.dom", "alice@test.dom");
        disk.Free();

        CliAssert.FailsWithOneLine(full, "full");
        Assert.Equal(75, full.ExitCode); // EX_TEMPFAIL: try again later
        Assert.Equal(before, DataSnapshot.Take(data));
        var list = CliAssert.Ok(await RunAsync(data, plugins.Path, null, "queue", "list")).Output;
        Assert.Single(list.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(queued, list);
        // Space again: the same submission goes through.
        CliAssert.Ok(await RunAsync(data, plugins.Path, Message, "submit", "--from", "bob@test.dom", "alice@test.dom"));
    }

    private async Task PrepareAsync(string data, string plugins)
    {
        CliAssert.Ok(await RunAsync(data, plugins, null, "domain", "add", "test.dom"));
        CliAssert.Ok(await RunAsync(data, plugins, null, "account", "add", "alice@test.dom", "--password", "pw"));
        for (var i = 0; i < 3; i++) CliAssert.Ok(await RunAsync(data, plugins, Message, "submit", "--from", "bob@test.dom", "alice@test.dom"));
        // Older than any sweep age: a sweep against an empty store would remove them all.
        var old = DateTime.UtcNow - TimeSpan.FromDays(2);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(data, "bodies"), "*", SearchOption.AllDirectories)) File.SetLastWriteTimeUtc(file, old);
        Assert.Equal(3, Bodies(data).Count);
    }

    // Every body a file (InlineBodyLimit=0): the contract is about body files surviving a damaged database. A small body
    // kept inside the database (the default) lives and dies with it, like the rows that reference it.
    private Task<CliResult> RunAsync(string data, string plugins, string? input, params string[] args) =>
        RunAsync(data, plugins, input, inlineBodies: false, args);

    private Task<CliResult> RunAsync(string data, string plugins, string? input, bool inlineBodies, params string[] args) =>
        KernelCli.RunAsync(data, input, [.. args, $"--Kernel:PluginsDirectory={plugins}", .. (inlineBodies ? [] : new[] { "--Kernel:Storage:InlineBodyLimit=0" }), .. Provider.Arguments], TimeSpan.FromSeconds(60));

    /// <summary>Every body file with its content hash.</summary>
    private static IReadOnlyDictionary<string, string> Bodies(string data)
    {
        var root = Path.Combine(data, "bodies");
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(root, f).StartsWith("tmp", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(root, f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary();
    }

    /// <summary>
    /// Runs the kernel without write access to a folder: as <c>nobody</c> through <c>runuser</c> when root (root
    /// ignores file modes), else with the folder's write bits removed.
    /// </summary>
    private sealed class ReadOnlyAccess : IDisposable
    {
        private readonly string _path;
        private readonly bool _asNobody;
        private bool _restored;

        private ReadOnlyAccess(string path, bool asNobody)
        {
            _path = path;
            _asNobody = asNobody;
        }

        public static ReadOnlyAccess For(string path)
        {
            var root = Environment.UserName == "root";
            if (root)
            {
                // nobody must reach the folder (read and enter) but not write it.
                foreach (var entry in Directory.EnumerateFileSystemEntries(path, "*", SearchOption.AllDirectories).Append(path))
                {
                    File.SetUnixFileMode(entry, File.GetUnixFileMode(entry) | UnixFileMode.OtherRead
                        | (Directory.Exists(entry) ? UnixFileMode.OtherExecute : 0));
                }
            }
            else
            {
                File.SetUnixFileMode(path, File.GetUnixFileMode(path) & ~(UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
            }
            return new ReadOnlyAccess(path, root);
        }

        /// <summary>
        /// The built kernel copied once into a world-readable temp folder: nobody cannot reach the checkout's own build
        /// when a parent folder is private (a clone under <c>mktemp -d</c> is mode 0700).
        /// </summary>
        private static readonly Lazy<string> NobodysKernel = new(() =>
        {
            var source = Path.GetDirectoryName(RepositoryLayout.KernelDll)!;
            var target = Path.Combine(Path.GetTempPath(), $"kernel-for-nobody-{Environment.ProcessId}");
            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                var to = Path.Combine(target, Path.GetRelativePath(source, file));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(file, to, overwrite: true);
            }
            foreach (var entry in Directory.EnumerateFileSystemEntries(target, "*", SearchOption.AllDirectories).Append(target))
                File.SetUnixFileMode(entry, File.GetUnixFileMode(entry) | UnixFileMode.OtherRead | (Directory.Exists(entry) ? UnixFileMode.OtherExecute : 0));
            return Path.Combine(target, Path.GetFileName(RepositoryLayout.KernelDll));
        });

        public async Task<CliResult> RunAsync(string data, string? input, IReadOnlyList<string> args)
        {
            if (!_asNobody) return await KernelCli.RunAsync(data, input, args, TimeSpan.FromSeconds(60));
            var info = new ProcessStartInfo("runuser") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = "/" };
            foreach (var arg in new[] { "-u", "nobody", "--", "dotnet", NobodysKernel.Value }) info.ArgumentList.Add(arg);
            foreach (var arg in args) info.ArgumentList.Add(arg);
            info.ArgumentList.Add("--data");
            info.ArgumentList.Add(data);
            info.Environment["DOTNET_CLI_HOME"] = "/tmp";
            info.Environment.Remove("KERNEL_DATA");
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (input is not null) await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"kernel {string.Join(' ', args)} as nobody did not finish");
            }
            return new CliResult(process.ExitCode, await output, await error);
        }

        public void Dispose()
        {
            if (_restored) return;
            _restored = true;
            if (!_asNobody) File.SetUnixFileMode(_path, File.GetUnixFileMode(_path) | UnixFileMode.UserWrite);
        }
    }
}
