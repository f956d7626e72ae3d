namespace Kernel.Abstractions;

public sealed record QuotaUsage(long UsedBytes, long? LimitBytes);
