using Kernel.Cli;

namespace Kernel;

/// <summary>The <c>kernel</c> executable.</summary>
public static class Program
{
    public static Task<int> Main(string[] args) => KernelCommandLine.RunAsync(args, Console.In, Console.Out, Console.Error);
}
