namespace Kernel.Abstractions;

/// <summary>An option <c>--name value</c>, or a flag <c>--name</c> when <see cref="IsFlag"/>.</summary>
public sealed record CliOption(string Name, string Description, bool IsFlag = false, bool Required = false);
