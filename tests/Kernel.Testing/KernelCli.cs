using System.Diagnostics;

namespace Kernel.Testing;

/// <summary>Runs the built <c>kernel</c> executable as a separate process, as an operator would.</summary>
public static class KernelCli
{
    /// <summary>
    /// Runs <c>kernel ARGS [--data DATA]</c> and waits (bounded) for it to exit. <paramref name="workingDirectory"/>: where
    /// it runs (an <c>appsettings.json</c> there is read); null = this process's current folder.
    /// </summary>
    public static async Task<CliResult> RunAsync(string? dataDirectory, string? input, IReadOnlyList<string> args, TimeSpan? timeout = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        info.ArgumentList.Add(RepositoryLayout.KernelDll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        if (dataDirectory is not null)
        {
            info.ArgumentList.Add("--data");
            info.ArgumentList.Add(dataDirectory);
        }
        info.Environment.Remove("KERNEL_DATA");
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null) await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kernel {string.Join(' ', args)} did not finish");
        }
        return new CliResult(process.ExitCode, await output, await error);
    }
}
