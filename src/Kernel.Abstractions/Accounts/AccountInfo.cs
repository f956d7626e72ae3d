namespace Kernel.Abstractions;

public sealed record AccountInfo(AccountAddress Address, string? RealName, DateTimeOffset Created);
