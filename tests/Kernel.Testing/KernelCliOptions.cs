namespace Kernel.Testing;

/// <summary>How <see cref="KernelCli"/> runs one invocation: extra environment, working directory, time limit.</summary>
public sealed record KernelCliOptions
{
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public string? WorkingDirectory { get; init; }

    public TimeSpan? Timeout { get; init; }
}
