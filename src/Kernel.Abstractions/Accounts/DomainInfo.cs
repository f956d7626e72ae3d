namespace Kernel.Abstractions;

public sealed record DomainInfo(string Name, bool IsMain, IReadOnlyList<string> Aliases);
