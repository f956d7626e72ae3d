using Kernel.Cli;

namespace Kernel;

/// <summary>The <c>kernel</c> executable.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var exitCode = await KernelCommandLine.RunAsync(args, Console.In, Console.Out, Console.Error);
        // A thread a plugin left running (a foreground one keeps .NET alive after Main) must not keep the process up.
        Console.Out.Flush();
        Console.Error.Flush();
        Environment.Exit(exitCode);
        return exitCode;
    }
}
