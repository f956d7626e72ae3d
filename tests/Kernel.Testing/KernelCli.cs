using System.Diagnostics;

namespace Kernel.Testing;

/// <summary>Runs the built <c>kernel</c> executable as a separate process, as an operator would.</summary>
public static class KernelCli
{
    public static Task<CliResult> RunAsync(string? dataDirectory, string? input, IReadOnlyList<string> args, TimeSpan? timeout = null) =>
        RunAsync(dataDirectory, input, args, new KernelCliOptions { Timeout = timeout });

    /// <summary>As above, with environment variables and a working directory (<c>KERNEL_DATA</c>, <c>./data</c>).</summary>
    public static async Task<CliResult> RunAsync(string? dataDirectory, string? input, IReadOnlyList<string> args, KernelCliOptions options)
    {
        var timeout = options.Timeout;
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (options.WorkingDirectory is not null) info.WorkingDirectory = options.WorkingDirectory;
        info.ArgumentList.Add(RepositoryLayout.KernelDll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        if (dataDirectory is not null)
        {
            info.ArgumentList.Add("--data");
            info.ArgumentList.Add(dataDirectory);
        }
        info.Environment.Remove("KERNEL_DATA");
        foreach (var (key, value) in options.Environment) info.Environment[key] = value;
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
