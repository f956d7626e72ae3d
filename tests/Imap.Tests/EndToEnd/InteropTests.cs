using System.Diagnostics;

namespace Imap.Tests.EndToEnd;

/// <summary>Programs nobody here wrote: python3 imaplib (tests/interop/imap-imaplib.py) and mbsync (isync).</summary>
[Collection("imap")]
public sealed class InteropTests(ImapServerFixture server)
{
    internal static async Task<(int Exit, string Output)> RunAsync(string file, IEnumerable<string> args, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string Script(string name) => Path.Combine(Kernel.Testing.RepositoryLayout.Root, "tests", "interop", name);

    [Fact]
    public async Task Python_imaplib_session()
    {
        var (exit, output) = await RunAsync("python3", [Script("imap-imaplib.py"), server.Port.ToString(), "frank@company.dom", ImapServerFixture.Password]);
        Assert.True(exit == 0, output);
        Assert.Contains("checks passed", output);
    }
}
