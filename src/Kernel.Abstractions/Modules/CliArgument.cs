namespace Kernel.Abstractions;

/// <summary>A positional argument. <see cref="Many"/> takes the rest of the words.</summary>
public sealed record CliArgument(string Name, string Description, bool Required = true, bool Many = false);
