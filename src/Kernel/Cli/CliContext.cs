using Microsoft.Extensions.DependencyInjection;

namespace Kernel.Cli;

/// <summary>What a built-in command runs with: the kernel services on the chosen data folder and the console streams.</summary>
public sealed class CliContext(IServiceProvider services, TextReader input, TextWriter output, TextWriter error)
{
    public IServiceProvider Services { get; } = services;

    public TextReader In { get; } = input;

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public T Service<T>() where T : notnull => Services.GetRequiredService<T>();
}
