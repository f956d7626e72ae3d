namespace Kernel.Abstractions;

public sealed record FileStoreUsage(int Items, long Bytes, int? ItemLimit, long? ByteLimit);
