namespace Kernel.Abstractions;

public sealed record SrvRecord(int Priority, int Weight, int Port, string Target);
